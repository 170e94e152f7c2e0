// Live status of background jobs: every element with data-job-status-url is polled while
// its job is queued or running. When it ends, a page that asked for it (data-job-reload)
// reloads to show the new result; others update in place.
(function () {
  "use strict";

  const POLL_MS = 1000;
  const OUTCOME_LABELS = { pending: "Waiting", done: "Done", skipped: "Skipped", refused: "Refused" };

  function renderItems(table, items) {
    if (!table) return;
    const rows = items.map(function (item, index) {
      const tr = document.createElement("tr");
      const cells = [String(index + 1), item.label, OUTCOME_LABELS[item.outcome] || item.outcome, item.message];
      cells.forEach(function (text, column) {
        const td = document.createElement("td");
        if (column === 1 && item.url) {
          const link = document.createElement("a");
          link.href = item.url;
          link.textContent = text;
          td.appendChild(link);
        } else if (column === 2) {
          const badge = document.createElement("span");
          badge.className = "badge" + (item.outcome === "done" ? " badge-ok" : item.outcome === "refused" ? " badge-error" : "");
          badge.textContent = text;
          td.appendChild(badge);
        } else {
          td.textContent = text;
        }
        tr.appendChild(td);
      });
      return tr;
    });
    table.replaceChildren.apply(table, rows);
  }

  function follow(box) {
    const url = box.dataset.jobStatusUrl;
    const state = box.querySelector("[data-job-state]");
    const bar = box.querySelector("[data-job-progress]");
    const message = box.querySelector("[data-job-message]");
    const items = document.querySelector("[data-job-items]");

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.json();
        })
        .then(function (data) {
          state.textContent = data.stateLabel;
          bar.value = data.progress;
          bar.textContent = data.progress + "%";
          bar.hidden = !data.active;
          message.textContent = data.state === "failed" ? data.error : data.message;
          renderItems(items, data.items);
          if (data.active) {
            window.setTimeout(poll, POLL_MS);
          } else if (box.dataset.jobReload) {
            window.location.reload();
          }
        })
        .catch(function () {
          window.setTimeout(poll, POLL_MS * 5);
        });
    }
    const active = box.classList.contains("job-queued") || box.classList.contains("job-running");
    if (active) window.setTimeout(poll, POLL_MS);
  }

  document.querySelectorAll("[data-job-status-url]").forEach(follow);
})();
