// The coding panel: select text in a transcript or field note, pick a stage, codes,
// sentiment, severity and a memo, and save without reloading. The server renders marks;
// this module only sends offsets and swaps in the fragments the server returns.
//
// Offsets are UTF-16 code units, which is what the DOM's Range counts; the server converts
// them to code points (cxresearch/lib/text.py). Each codable element carries data-start16,
// its own offset into the source text. A redacted span shows a placeholder ("[name]") and
// carries data-len16, the length of the text it stands for, which offsets count instead.
//
// A selection can also be redacted (the panel's Redact button), and a redaction the research
// team reads (span.redaction) undone by clicking it.

const panel = document.getElementById("coding-panel");
const highlights = JSON.parse(document.getElementById("highlight-data")?.textContent || "{}");
const config = JSON.parse(document.getElementById("coding-data")?.textContent || "null");

let selection = null; // {source, sourceId, start16, end16, text} for a new highlight
let editing = null; // highlight id being edited
let codes = []; // code names chosen in the panel

function csrfToken() {
  return panel.querySelector("input[name=csrfmiddlewaretoken]").value;
}

function role(name) {
  return panel.querySelector(`[data-role="${name}"]`);
}

// --- Selection → offsets -------------------------------------------------------------------

function codableOf(node) {
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  return element?.closest(".codable") || null;
}

function offsetWithin(codable, node, offset) {
  const range = document.createRange();
  range.setStart(codable, 0);
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  const placeholder = element?.closest("[data-len16]");
  // A selection edge inside a placeholder moves to its start.
  if (placeholder && codable.contains(placeholder)) range.setEndBefore(placeholder);
  else range.setEnd(node, offset);
  let units = range.toString().length;
  for (const hidden of codable.querySelectorAll("[data-len16]")) {
    if (range.intersectsNode(hidden)) units += Number(hidden.dataset.len16) - hidden.textContent.length;
  }
  return units;
}

// --- Snapping: whole words, whole turns ------------------------------------------------------
//
// A selection is widened to whole words and trimmed of white space before its offsets are
// taken, and one that starts or ends on a speaker label or timestamp is moved onto the
// nearest text. The server still checks the span it gets (insights.coding); this only
// spares the researcher quotes that start "ng the rollout" or end in a label.

const WORD = /[\p{L}\p{N}\p{M}_'’-]/u;
const TURN_BREAK = "\n"; // stands between two codable elements in the flattened text

// The text nodes of the codable elements a range touches, as one string with positions.
// A redaction placeholder counts as spaces: a word never runs through it.
function flatten(range) {
  const parts = [];
  let text = "";
  for (const codable of document.querySelectorAll(".codable")) {
    if (!range.intersectsNode(codable)) continue;
    if (parts.length) text += TURN_BREAK;
    const walker = document.createTreeWalker(codable, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const hidden = node.parentElement.closest("[data-len16]");
      parts.push({ node, codable, at: text.length });
      text += hidden ? " ".repeat(node.data.length) : node.data;
    }
  }
  return { parts, text };
}

// Where a boundary point falls in the flattened text: points outside every text node (a
// speaker label, the gap between turns) fall just after the text before them.
function flatPosition(flat, node, offset) {
  const point = document.createRange();
  point.setStart(node, offset);
  let position = 0;
  for (const part of flat.parts) {
    if (part.node === node) return part.at + offset;
    if (point.comparePoint(part.node, 0) >= 0) break;
    position = part.at + part.node.data.length;
  }
  return position;
}

function partAt(flat, position, isEnd) {
  return flat.parts.find((part) => {
    const end = part.at + part.node.data.length;
    return isEnd ? part.at < position && position <= end : part.at <= position && position < end;
  });
}

function snapToWords(original) {
  const flat = flatten(original);
  if (!flat.parts.length) return null;
  const text = flat.text;
  let start = flatPosition(flat, original.startContainer, original.startOffset);
  let end = flatPosition(flat, original.endContainer, original.endOffset);
  while (start > 0 && WORD.test(text[start - 1]) && WORD.test(text[start])) start -= 1;
  while (end < text.length && WORD.test(text[end - 1]) && WORD.test(text[end])) end += 1;
  while (start < end && /\s/.test(text[start])) start += 1;
  while (end > start && /\s/.test(text[end - 1])) end -= 1;
  if (end <= start) return null;
  const first = partAt(flat, start, false);
  const last = partAt(flat, end, true);
  const range = document.createRange();
  range.setStart(first.node, start - first.at);
  range.setEnd(last.node, end - last.at);
  const turns = flat.parts.map((part) => part.codable).filter((codable, index, all) => all.indexOf(codable) === index);
  const touched = turns.slice(turns.indexOf(first.codable), turns.indexOf(last.codable) + 1);
  return {
    range,
    first: first.codable,
    last: last.codable,
    preview: text.slice(start, end).replaceAll(TURN_BREAK, " / "),
    speakers: speakersOf(touched),
  };
}

// The distinct speakers of the turns a selection touches, in order.
function speakersOf(codables) {
  const names = [];
  for (const codable of codables) {
    const name = codable.closest(".utterance")?.querySelector(".speaker")?.textContent.trim();
    if (name && !names.includes(name)) names.push(name);
  }
  return names;
}

function currentSelection() {
  const chosen = window.getSelection();
  if (!chosen || chosen.isCollapsed || chosen.rangeCount === 0) return null;
  const snapped = snapToWords(chosen.getRangeAt(0));
  if (!snapped) return null;
  const { range, first, last } = snapped;
  const source = first.closest(".codable-source");
  if (!source || source !== last.closest(".codable-source")) return null;
  // Show the researcher the words that will be saved.
  chosen.removeAllRanges();
  chosen.addRange(range);
  const start16 = Number(first.dataset.start16) + offsetWithin(first, range.startContainer, range.startOffset);
  const end16 = Number(last.dataset.start16) + offsetWithin(last, range.endContainer, range.endOffset);
  if (end16 <= start16) return null;
  return {
    source: source.dataset.source,
    sourceId: Number(source.dataset.sourceId),
    start16,
    end16,
    rect: range.getBoundingClientRect(),
    preview: snapped.preview,
    speakers: snapped.speakers,
  };
}

// --- The panel -------------------------------------------------------------------------------

function renderChips() {
  const chips = role("chips");
  chips.replaceChildren();
  for (const name of codes) {
    const item = document.createElement("li");
    item.className = "code-chip";
    item.textContent = name;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link-button";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `Remove code ${name}`);
    remove.addEventListener("click", () => {
      codes = codes.filter((code) => code !== name);
      renderChips();
    });
    item.append(" ", remove);
    chips.append(item);
  }
}

function fillCodeList() {
  const list = document.getElementById("coding-code-list");
  list.replaceChildren(
    ...config.codes.map((code) => {
      const option = document.createElement("option");
      option.value = code.name;
      return option;
    }),
  );
}

function addCode(raw) {
  const name = raw.trim().replace(/\s+/g, " ");
  if (!name) return;
  const known = config.codes.find((code) => code.name.toLowerCase() === name.toLowerCase());
  const finalName = known ? known.name : name;
  if (!codes.some((code) => code.toLowerCase() === finalName.toLowerCase())) codes.push(finalName);
  renderChips();
}

function setSentiment(value) {
  for (const radio of panel.querySelectorAll("input[name=sentiment]")) {
    radio.checked = radio.value === (value === null || value === undefined ? "" : String(value));
  }
}

function place(rect) {
  panel.hidden = false;
  panel.scrollTop = 0;
  if (getComputedStyle(panel).position !== "fixed") {
    fit();
    return;
  }
  // A narrow window: an overlay below the selection when it fits, otherwise as low as the
  // whole panel still shows.
  const room = window.innerHeight - panel.offsetHeight - 8;
  panel.style.top = `${Math.max(8, Math.min(rect.bottom + 8, room))}px`;
}

// Beside the text the panel sticks to the top of the window, inside its column; its height
// is capped to the part of the column in the window, so its buttons stay in the window
// (static/css/app.css).
function fit() {
  if (panel.hidden || getComputedStyle(panel).position === "fixed") return;
  const column = panel.parentElement.getBoundingClientRect();
  const top = Math.max(column.top, 8);
  const bottom = Math.min(column.bottom, window.innerHeight - 8);
  panel.style.setProperty("--panel-room", `${Math.max(bottom - top, 160)}px`);
}

// What the toolbar says: how many highlights, and how many turns carry one.
function count() {
  const counter = document.getElementById("coding-count");
  if (counter) {
    const total = Object.keys(highlights).length;
    counter.textContent = `${total} highlight${total === 1 ? "" : "s"}`;
  }
  const coverage = document.getElementById("coding-coverage");
  if (coverage) {
    const turns = document.querySelectorAll(".utterance-text.codable");
    const coded = [...turns].filter((turn) => turn.querySelector("mark.hl")).length;
    coverage.textContent = String(turns.length ? Math.round((100 * coded) / turns.length) : 0);
  }
}

function announce(message) {
  const status = document.getElementById("coding-status");
  if (status) status.textContent = message;
}

function quoted(text) {
  return `“${text.slice(0, 80)}${text.length > 80 ? "…" : ""}”`;
}

function showError(message) {
  const error = role("error");
  error.textContent = message;
  error.hidden = !message;
}

function openForSelection(chosen) {
  selection = chosen;
  editing = null;
  codes = [];
  panel.reset();
  renderChips();
  showError("");
  role("quote").textContent = `“${chosen.preview.slice(0, 240)}${chosen.preview.length > 240 ? "…" : ""}”`;
  const note = role("speakers");
  note.hidden = chosen.speakers.length < 2;
  note.textContent = `This selection spans ${chosen.speakers.length} speakers (${chosen.speakers.join(", ")}): the quote is attributed to ${chosen.speakers[0]}.`;
  role("chooser").hidden = true;
  role("delete").hidden = true;
  role("redact").hidden = false;
  role("meta").textContent = "";
  document.getElementById("coding-panel-title").textContent = "Code this quote";
  place(chosen.rect);
  document.getElementById("coding-stage").focus();
}

function openForHighlight(id, rect, coveringIds) {
  const data = highlights[id];
  if (!data) return;
  selection = null;
  editing = id;
  panel.reset();
  showError("");
  document.getElementById("coding-stage").value = data.stage ?? "";
  document.getElementById("coding-pain").value = data.painSeverity ?? "";
  document.getElementById("coding-memo").value = data.memo;
  setSentiment(data.sentiment);
  codes = [...data.codes];
  renderChips();
  role("quote").textContent = `“${data.text.slice(0, 240)}${data.text.length > 240 ? "…" : ""}”`;
  role("speakers").hidden = true;
  role("meta").textContent = `Coded by ${data.coder}`;
  role("delete").hidden = false;
  role("redact").hidden = true;
  document.getElementById("coding-panel-title").textContent = "Edit highlight";
  const chooser = role("chooser");
  chooser.hidden = coveringIds.length < 2;
  const which = role("which");
  which.replaceChildren(
    ...coveringIds.map((coveringId) => {
      const option = document.createElement("option");
      const item = highlights[coveringId];
      option.value = coveringId;
      option.textContent = `${item.codes.join(", ") || "No codes"}${item.stageName ? ` · ${item.stageName}` : ""}`;
      option.selected = String(coveringId) === String(id);
      return option;
    }),
  );
  which.onchange = () => openForHighlight(which.value, rect, coveringIds);
  place(rect);
}

function close() {
  panel.hidden = true;
  selection = null;
  editing = null;
}

function payload() {
  const form = new FormData(panel);
  const pending = document.getElementById("coding-code-input").value;
  if (pending.trim()) addCode(pending);
  document.getElementById("coding-code-input").value = "";
  return {
    stage: form.get("stage") || null,
    codes,
    sentiment: form.get("sentiment") === "" ? null : form.get("sentiment"),
    painSeverity: form.get("painSeverity") || null,
    memo: form.get("memo") || "",
  };
}

async function send(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = { error: `The server answered ${response.status}.` };
  }
  if (!response.ok) throw new Error(data.error || `The server answered ${response.status}.`);
  return data;
}

// Each mark's colour comes as data-colour: the Content-Security-Policy allows no style
// attributes, but setting a property through the CSSOM is not one.
function paintMarks(root) {
  for (const mark of root.querySelectorAll("mark[data-colour]")) {
    mark.style.setProperty("--mark", mark.dataset.colour);
  }
}

// Each highlight's codes, on the last piece of it (the stylesheet shows data-codes after
// the text, as generated content that selections and offsets never include).
function labelMarks() {
  const lastPiece = new Map();
  for (const mark of document.querySelectorAll("mark[data-h]")) {
    delete mark.dataset.codes;
    for (const id of mark.dataset.h.split(" ")) lastPiece.set(id, mark);
  }
  const labels = new Map();
  for (const [id, mark] of lastPiece) {
    const names = highlights[id]?.codes || [];
    if (names.length) labels.set(mark, [...(labels.get(mark) || []), names.join(", ")]);
  }
  for (const [mark, texts] of labels) {
    // Several coders' highlights ending together with the same codes read once, counted.
    const counted = new Map();
    for (const text of texts) counted.set(text, (counted.get(text) || 0) + 1);
    mark.dataset.codes = [...counted].map(([text, n]) => (n > 1 ? `${text} ×${n}` : text)).join(" | ");
  }
}

function applyFragments(fragments) {
  for (const [key, html] of Object.entries(fragments || {})) {
    const element = document.querySelector(`[data-fragment="${key}"]`);
    if (element) {
      element.innerHTML = html;
      paintMarks(element);
    }
  }
  labelMarks();
  count();
}

function remember(highlight) {
  highlights[highlight.id] = highlight;
  for (const name of highlight.codes) {
    if (!config.codes.some((code) => code.name === name)) config.codes.push({ name });
  }
  fillCodeList();
}

async function save(event) {
  event?.preventDefault();
  showError("");
  announce("");
  const body = payload();
  try {
    let data;
    if (editing) {
      data = await send(config.updateUrl.replace("/0/", `/${editing}/`), body);
    } else if (selection) {
      data = await send(config.createUrl, {
        ...body,
        source: selection.source,
        sourceId: selection.sourceId,
        start16: selection.start16,
        end16: selection.end16,
      });
    } else {
      return;
    }
    remember(data.highlight);
    applyFragments(data.fragments);
    window.getSelection()?.removeAllRanges();
    if (data.existing) {
      // This coder had highlighted the same span already: open that one instead.
      openForHighlight(data.highlight.id, selection.rect, [data.highlight.id]);
      showError(data.message);
      return;
    }
    const codesSaved = data.highlight.codes.length ? `: ${data.highlight.codes.join(", ")}` : "";
    announce(`Saved ${quoted(data.highlight.text)}${codesSaved}.`);
    close();
  } catch (error) {
    showError(error.message);
  }
}

async function destroy() {
  if (!editing) return;
  try {
    const data = await send(config.deleteUrl.replace("/0/", `/${editing}/`), {});
    delete highlights[editing];
    applyFragments(data.fragments);
    announce("Highlight deleted.");
    close();
  } catch (error) {
    showError(error.message);
  }
}

async function redact() {
  if (!selection) return;
  showError("");
  try {
    const data = await send(config.redactUrl, {
      source: selection.source,
      sourceId: selection.sourceId,
      start16: selection.start16,
      end16: selection.end16,
      kind: role("redact-kind").value,
    });
    applyFragments(data.fragments);
    window.getSelection()?.removeAllRanges();
    close();
  } catch (error) {
    showError(error.message);
  }
}

async function unredact(span) {
  if (!window.confirm("Undo this redaction? Viewers will read these words again.")) return;
  try {
    const data = await send(config.unredactUrl.replace("/0/", `/${span.dataset.r}/`), {});
    applyFragments(data.fragments);
  } catch (error) {
    window.alert(error.message);
  }
}

// --- Wiring -----------------------------------------------------------------------------------

function onMouseUp(event) {
  if (panel.contains(event.target)) return;
  const chosen = currentSelection();
  if (chosen) {
    openForSelection(chosen);
    return;
  }
  const redaction = event.target.closest?.(".redaction[data-r]");
  if (redaction && window.getSelection()?.isCollapsed) {
    unredact(redaction);
    return;
  }
  const mark = event.target.closest?.("mark[data-h]");
  if (mark && window.getSelection()?.isCollapsed) {
    const ids = mark.dataset.h.split(" ");
    openForHighlight(ids[ids.length - 1], mark.getBoundingClientRect(), ids.reverse());
  }
}

function typing(target) {
  return target.closest?.("input, textarea, select, [contenteditable]");
}

function onKeyDown(event) {
  if (event.key === "Escape" && !panel.hidden) {
    close();
    return;
  }
  if (!panel.hidden && (event.ctrlKey || event.metaKey) && event.key === "Enter") {
    save(event);
    return;
  }
  if (typing(event.target)) return;
  if (panel.hidden && event.key === "c") {
    const chosen = currentSelection();
    if (chosen) {
      event.preventDefault();
      openForSelection(chosen);
    }
    return;
  }
  if (!panel.hidden && /^[1-9]$/.test(event.key)) {
    const stage = config.stages[Number(event.key) - 1];
    if (stage) document.getElementById("coding-stage").value = String(stage.id);
  }
}

function start() {
  paintMarks(document);
  labelMarks();
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  if (!panel || !config?.canCode) return;
  fillCodeList();
  document.addEventListener("mouseup", onMouseUp);
  document.addEventListener("keydown", onKeyDown);
  window.addEventListener("scroll", fit, { passive: true });
  window.addEventListener("resize", fit);
  panel.addEventListener("submit", save);
  role("cancel").addEventListener("click", close);
  role("delete").addEventListener("click", destroy);
  role("redact-button").addEventListener("click", redact);
  document.getElementById("coding-code-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !(event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      addCode(event.target.value);
      event.target.value = "";
    }
  });
  document.getElementById("coding-code-input").addEventListener("change", (event) => {
    if (config.codes.some((code) => code.name === event.target.value)) {
      addCode(event.target.value);
      event.target.value = "";
    }
  });
}

start();
