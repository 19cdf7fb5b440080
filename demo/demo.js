// The demo page: only the public bridge API (SLM.create, attach and its events), no private hooks.
import { SLM } from "../bridge/slm.js";

const SAMPLES = {
  review: "I absolutely loved this movie. The acting was wonderful and the story kept me",
  email: "Hi Sam,\n\nThank you for your help with the report yesterday. I would li",
  mistakes: "He don't like the new office. Their is a problem with the the car, and i dont know what to do.",
};
const STEP_TEXT = {
  manifest: "Reading the site manifest",
  download: "Downloading",
  cache: "Loading from cache",
  runtime: "Starting",
  python: "Loading the Python package",
  model: "Loading model",
  ready: "Ready",
};

const $ = (id) => document.getElementById(id);
const editor = $("editor");
const t0 = performance.now();
const files = new Map(); // path -> bytes loaded
let plannedBytes = 0; // announced by the "manifest" step

function mb(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function onProgress(p) {
  if (p.step === "manifest") plannedBytes = p.total;
  else if (p.file) files.set(p.file, p.loaded);
  let loaded = 0;
  for (const bytes of files.values()) loaded += bytes;
  const what = p.file ?? p.detail ?? p.task ?? "";
  $("load-step").textContent = `${STEP_TEXT[p.step] ?? p.step} ${what}`.trim() + "…";
  $("load-bytes").textContent = plannedBytes ? `${mb(loaded)} / ${mb(plannedBytes)}` : "";
  // Fetching is most of the wait; starting Python and the models gets the last 10 %.
  const fraction = p.step === "ready" ? 1 : plannedBytes ? 0.9 * Math.min(1, loaded / plannedBytes) : 0.03;
  $("load-bar").style.width = `${Math.round(fraction * 100)}%`;
}

function ms(value) {
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

function showSentiment({ result, ms: took }) {
  $("ms-sentiment").textContent = ms(took);
  const label = $("sentiment-label");
  label.textContent = result.label;
  label.dataset.label = result.label;
  const rows = Object.entries(result.scores).map(([name, score]) => {
    const row = document.createElement("div");
    row.className = "score-row";
    const bar = document.createElement("span");
    bar.className = "score-bar";
    bar.dataset.label = name;
    bar.style.width = `${Math.round(score * 100)}%`;
    const text = document.createElement("span");
    text.textContent = `${name} ${(score * 100).toFixed(1)}%`;
    row.append(bar, text);
    return row;
  });
  $("sentiment-scores").replaceChildren(...rows);
}

function insertAtCaret(text) {
  const at = editor.selectionStart;
  editor.setRangeText(text, at, editor.selectionEnd, "end");
  editor.focus();
  editor.dispatchEvent(new Event("input", { bubbles: true }));
}

function showCompletions({ result, ms: took }) {
  $("ms-autocomplete").textContent = ms(took);
  const chips = result.map((s, i) => {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = i === 0 ? "chip suggestion best" : "chip suggestion";
    chip.textContent = s.text;
    chip.title = `${(s.score * 100).toFixed(1)}%`;
    chip.addEventListener("mousedown", (e) => e.preventDefault());
    chip.addEventListener("click", () => insertAtCaret(s.insert));
    return chip;
  });
  $("suggestions").replaceChildren(...(chips.length ? chips : [muted("No suggestion.")]));
}

function muted(text, tag = "span") {
  const el = document.createElement(tag);
  el.className = "muted";
  el.textContent = text;
  return el;
}

function showIssues({ result, ms: took }) {
  $("ms-grammar").textContent = ms(took);
  const text = editor.value;
  const items = result.edits.map((edit) => {
    const li = document.createElement("li");
    const what = document.createElement("span");
    const from = document.createElement("s");
    from.textContent = edit.original || "∅";
    const to = document.createElement("strong");
    to.textContent = edit.replacement || "∅";
    what.append(from, " → ", to);
    const type = muted(edit.type, "span");
    type.className = "muted issue-type";
    const apply = document.createElement("button");
    apply.type = "button";
    apply.className = "chip apply";
    apply.textContent = "Apply";
    apply.addEventListener("click", () => {
      if (editor.value !== text) return; // the text moved on: the next check brings fresh offsets
      editor.setRangeText(edit.replacement, edit.start, edit.end, "end");
      editor.dispatchEvent(new Event("input", { bubbles: true }));
    });
    li.append(what, type, apply);
    if (edit.explanation) {
      const why = muted(edit.explanation, "span"); // textContent: text only, never HTML
      why.className = "muted issue-why";
      li.append(why);
    }
    return li;
  });
  $("issues").replaceChildren(...(items.length ? items : [muted("No issues found.", "li")]));
}

// Personal words: what autocomplete learned from this browser's writing (IndexedDB, this origin only).
function showLearned(count) {
  $("learned-count").textContent = `learned ${count} word${count === 1 ? "" : "s"}`;
  $("learned").hidden = false;
}

function showError({ error, feature }) {
  $(`ms-${feature}`).textContent = "error";
  $(`ms-${feature}`).title = error.message;
}

async function main() {
  try {
    // Typing can start once the autocomplete model is in; the others load behind it, and a check that
    // needs one of them waits for it.
    const [first, ...later] = ["autocomplete", "sentiment", "grammar"];
    const slm = await SLM.create({ onProgress, tasks: [first, ...later], whenReady: "first", personal: true });
    const seconds = (t) => ((t - t0) / 1000).toFixed(1);
    const threads = `${slm.info.threads} thread${slm.info.threads > 1 ? "s" : ""}`;
    $("loader").classList.add("done");
    $("runtime-info").textContent = `Ready in ${seconds(performance.now())} s · ${threads}`;
    const loading = later.filter((task) => $(`ms-${task}`).textContent === "–");
    for (const task of loading) $(`ms-${task}`).textContent = "loading…";
    slm.ready.then(
      () => {
        $("runtime-info").textContent += ` · all models in ${seconds(performance.now())} s`;
        showLearned(slm.learnedWords); // the stored words are loaded by now
        for (const task of loading) if ($(`ms-${task}`).textContent === "loading…") $(`ms-${task}`).textContent = "–";
      },
      (error) => ($("runtime-info").textContent += ` · a model did not load: ${error.message}`),
    );
    editor.disabled = false;
    editor.placeholder = "Type here: a review, an e-mail, anything…";
    editor.addEventListener("slm:sentiment", (e) => showSentiment(e.detail));
    editor.addEventListener("slm:completion", (e) => showCompletions(e.detail));
    editor.addEventListener("slm:grammar", (e) => showIssues(e.detail));
    editor.addEventListener("slm:error", (e) => showError(e.detail));
    editor.addEventListener("slm:learned", (e) => showLearned(e.detail.learnedWords));
    $("forget").addEventListener("click", async () => showLearned(await slm.forget().then(() => slm.learnedWords)));
    const attached = slm.attach(editor);
    for (const button of document.querySelectorAll("[data-sample]")) {
      button.addEventListener("click", () => {
        editor.value = SAMPLES[button.dataset.sample];
        editor.focus();
        editor.setSelectionRange(editor.value.length, editor.value.length);
        attached.refresh();
      });
    }
    document.body.dataset.state = "ready";
    editor.focus();
  } catch (error) {
    $("loader").classList.add("failed");
    $("load-step").textContent = `Could not start: ${error.message}`;
    document.body.dataset.state = "failed";
  }
}

main();
