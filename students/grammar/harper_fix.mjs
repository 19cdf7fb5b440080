// Baseline for the grammar student: correct sentences with harper.js (rule-based, wasm).
// stdin: one JSON string per line; stdout: one JSON string per line, the sentence with the first
// suggestion of every lint applied (right to left, overlapping lints skipped).
// Usage: node students/grammar/harper_fix.mjs < in.jsonl > out.jsonl   (run from the repository root)
import { createInterface } from "node:readline";
import { binaryInlined } from "harper.js/binaryInlined";
import { LocalLinter, SuggestionKind } from "harper.js";

const linter = new LocalLinter({ binary: binaryInlined });
await linter.setup();

// How each suggestion kind rewrites text[start:end] (spans are character offsets; inputs are ASCII).
const APPLY = {
  [SuggestionKind.Replace]: (text, s, e, r) => text.slice(0, s) + r + text.slice(e),
  [SuggestionKind.Remove]: (text, s, e) => text.slice(0, s) + text.slice(e),
  [SuggestionKind.InsertAfter]: (text, s, e, r) => text.slice(0, e) + r + text.slice(e),
};

async function fix(text) {
  const lints = await linter.lint(text, { language: "plaintext" });
  const edits = lints
    .filter((l) => l.suggestion_count() > 0)
    .map((l) => ({ span: l.span(), sug: l.suggestions()[0] }))
    .sort((a, b) => b.span.start - a.span.start);
  let out = text;
  let limit = Infinity;
  for (const { span, sug } of edits) {
    if (span.end > limit) continue;
    out = APPLY[sug.kind()](out, span.start, span.end, sug.get_replacement_text());
    limit = span.start;
  }
  return out;
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim()) process.stdout.write(JSON.stringify(await fix(JSON.parse(line))) + "\n");
}
