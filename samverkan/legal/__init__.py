"""Dated legal reference data at the ground floor: offences, legal bases, minimum penalties.

The agency apps and the disclosure gate read it; it reads no app (DESIGN.md §3).
"""
