// A long transcript is read in parts (insights.views.reader.TURNS_PER_PAGE). A link to a turn,
// #u-<id>, made before that or pointing past this part (search hits, quotes, reports), asks the
// server for the part that holds the turn: ?at=<id> answers it, and the browser scrolls there.

function showLinkedTurn() {
  const match = /^#u-(\d+)$/.exec(window.location.hash);
  if (!match || document.getElementById(`u-${match[1]}`)) return;
  if (!document.querySelector("[data-turn-pages]")) return;
  const params = new URLSearchParams(window.location.search);
  if (params.get("at") === match[1]) return; // the server found no such turn: stay
  params.delete("page");
  params.set("at", match[1]);
  window.location.replace(`?${params}${window.location.hash}`);
}

showLinkedTurn();
window.addEventListener("hashchange", showLinkedTurn);
