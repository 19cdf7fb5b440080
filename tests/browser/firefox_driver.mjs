// Drives Debian's firefox-esr with puppeteer-core over WebDriver BiDi for firefox_driver.py: one JSON
// command per line on stdin, one JSON reply ({value} or {error}) per line on stdout.
//
// Usage: node firefox_driver.mjs FIREFOX ORIGIN. Every request of the page and its workers is
// intercepted: those to ORIGIN go on, any other is recorded and aborted (`watched` reports them).

import { createInterface } from "node:readline";
import puppeteer from "puppeteer-core";

const [executablePath, origin] = process.argv.slice(2);
const browser = await puppeteer.launch({ browser: "firefox", executablePath, headless: true });
const page = await browser.newPage();
await page.setViewport({ width: 1280, height: 800 });

const offOrigin = [];
const consoleErrors = [];
const ownURL = (url) => url.startsWith(`${origin}/`) || url.startsWith("blob:") || url.startsWith("data:");
await page.setRequestInterception(true);
page.on("request", (request) => {
  if (ownURL(request.url())) return request.continue();
  offOrigin.push(request.url());
  return request.abort();
});
page.on("console", (message) => message.type() === "error" && consoleErrors.push(message.text()));
page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));

/** `fn` is the source of a JS function; it is called in the page with `arg` and awaited. */
const commands = {
  goto: ({ url }) => page.goto(url),
  evaluate: ({ fn, arg }) => page.evaluate(`(${fn})(${JSON.stringify(arg ?? null)})`),
  waitFor: ({ fn, timeoutMs }) => page.waitForFunction(`(${fn})()`, { timeout: timeoutMs, polling: 100 }),
  click: ({ x, y }) => page.mouse.click(x, y),
  type: ({ text }) => page.keyboard.type(text, { delay: 20 }),
  // A chord ("Control+z"): its modifiers held down around the last key.
  press: async ({ key }) => {
    const [last, ...modifiers] = key.split("+").reverse();
    for (const modifier of modifiers) await page.keyboard.down(modifier);
    await page.keyboard.press(last);
    for (const modifier of modifiers) await page.keyboard.up(modifier);
  },
  watched: () => ({ offOrigin, consoleErrors }),
};

const reply = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const { op, ...args } = JSON.parse(line);
  if (op === "close") break;
  try {
    const value = await commands[op](args);
    // Only plain results cross back (goto's response object and the like do not).
    reply({ value: op === "evaluate" || op === "watched" ? value ?? null : null });
  } catch (error) {
    reply({ error: String(error?.message ?? error) });
  }
}
await browser.close();
