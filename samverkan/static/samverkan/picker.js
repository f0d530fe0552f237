/* Searchable pickers: a long dropdown becomes a search with radio buttons among the
   matches (the search is an htmx POST to an endpoint behind the same access rules).
   Without JavaScript the dropdown stays, and nothing here runs. */
(function () {
  "use strict";
  function upgrade(root) {
    root.querySelectorAll("[data-picker]").forEach(function (picker) {
      if (picker.dataset.upgraded) { return; }
      picker.dataset.upgraded = "yes";
      var plain = picker.querySelector(".picker__plain");
      var select = plain && plain.querySelector("select");
      if (select) { select.disabled = true; }
      if (plain) { plain.hidden = true; }
      picker.querySelector(".picker__search").hidden = false;
      picker.querySelectorAll(".picker__results input").forEach(function (input) { input.disabled = false; });
    });
  }
  // A long list of checkboxes (the venues of a shift) gets a filter; a box already
  // ticked always stays in view.
  function checklists(root) {
    root.querySelectorAll("[data-checklist]").forEach(function (list) {
      var filter = list.querySelector("[data-checklist-filter]");
      if (!filter || list.dataset.upgraded) { return; }
      list.dataset.upgraded = "yes";
      filter.closest(".checklist__filter").hidden = false;
      filter.addEventListener("input", function () {
        var words = filter.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
        list.querySelectorAll("[data-checklist-option]").forEach(function (option) {
          var text = option.textContent.toLocaleLowerCase();
          var box = option.querySelector("input");
          option.hidden = !(box && box.checked) && !words.every(function (word) { return text.indexOf(word) !== -1; });
        });
      });
    });
  }
  checklists(document);

  // Enter in the search searches; it must not send the whole form.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.matches && target.matches("[data-checklist-filter]")) {
      event.preventDefault();
      return;
    }
    if (event.key === "Enter" && target.matches && target.matches("[data-picker] input[type=search]")) {
      event.preventDefault();
      if (window.htmx) { window.htmx.trigger(target, "search"); }
    }
  });
  // A choice made while a search was still on its way must survive that search's answer:
  // the answer replaces the radio buttons, so the one chosen is chosen again if it is there.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches(".picker__results input[type=radio]")) {
      target.closest(".picker__results").dataset.chosen = target.value;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var results = event.detail && event.detail.target;
    if (!results || !results.classList || !results.classList.contains("picker__results")) { return; }
    var chosen = results.dataset.chosen;
    if (!chosen || results.querySelector("input[type=radio]:checked")) { return; }
    results.querySelectorAll("input[type=radio]").forEach(function (input) {
      if (input.value === chosen) { input.checked = true; }
    });
  });
  document.addEventListener("htmx:afterSettle", function () { upgrade(document); });
  upgrade(document);
}());
