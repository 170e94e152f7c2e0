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

function currentSelection() {
  const chosen = window.getSelection();
  if (!chosen || chosen.isCollapsed || chosen.rangeCount === 0) return null;
  const range = chosen.getRangeAt(0);
  const first = codableOf(range.startContainer);
  const last = codableOf(range.endContainer);
  if (!first || !last) return null;
  const source = first.closest(".codable-source");
  if (!source || source !== last.closest(".codable-source")) return null;
  const start16 = Number(first.dataset.start16) + offsetWithin(first, range.startContainer, range.startOffset);
  const end16 = Number(last.dataset.start16) + offsetWithin(last, range.endContainer, range.endOffset);
  if (end16 <= start16) return null;
  return {
    source: source.dataset.source,
    sourceId: Number(source.dataset.sourceId),
    start16,
    end16,
    rect: range.getBoundingClientRect(),
    preview: range.toString(),
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
  // Below the selection when it fits, otherwise as low as the whole panel still shows.
  const room = window.innerHeight - panel.offsetHeight - 8;
  panel.style.top = `${Math.max(8, Math.min(rect.bottom + 8, room))}px`;
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

function applyFragments(fragments) {
  for (const [key, html] of Object.entries(fragments || {})) {
    const element = document.querySelector(`[data-fragment="${key}"]`);
    if (element) {
      element.innerHTML = html;
      paintMarks(element);
    }
  }
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
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  if (!panel || !config?.canCode) return;
  fillCodeList();
  document.addEventListener("mouseup", onMouseUp);
  document.addEventListener("keydown", onKeyDown);
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
