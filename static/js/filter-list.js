// Narrow a long checkbox list as you type: <input data-filter-list="#list-id">. Ticked boxes
// always stay visible, so a choice is never hidden from the person who made it.
(function () {
  "use strict";
  document.querySelectorAll("[data-filter-list]").forEach(function (input) {
    const list = document.querySelector(input.dataset.filterList);
    const count = document.querySelector("[data-filter-count]");
    if (!list) return;
    const items = Array.from(list.querySelectorAll("label")).map(function (label) {
      return { row: label.closest("div") || label, label: label, text: label.textContent.toLowerCase() };
    });
    function apply() {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      items.forEach(function (item) {
        const box = item.label.querySelector("input");
        const match = (box && box.checked) || words.every(function (w) { return item.text.includes(w); });
        item.row.hidden = !match;
        if (match) shown += 1;
      });
      if (count) count.textContent = words.length ? shown + " of " + items.length + " shown" : "";
    }
    input.addEventListener("input", apply);
  });
})();
