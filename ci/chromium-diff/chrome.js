// Usage: node chrome.js IN.json OUT.json   (run by run.py with the work directory as cwd)
// IN: {"origin": "http://127.0.0.1:PORT", "pages": [{"id": ..., "url": ..., "timeout": ms (optional, default 30000)}, ...]}
// OUT: {id: {"cs": characterSet, "base": baseURI, "links": [[attr, href, protocol], ...]} | {"error": msg}}
// Headless Debian Chromium, JavaScript disabled, every request outside the origin aborted.
// playwright-core is resolved from the current directory (the work directory, where run.py
// installs it), not from beside this script.
const { chromium } = require(require.resolve('playwright-core', { paths: [process.cwd()] }));
const fs = require('fs');

(async () => {
  const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const origin = input.origin;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--blink-settings=scriptEnabled=false'],
  });
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  await ctx.route(() => true, (route) => {
    const u = route.request().url();
    if (u === origin || u.startsWith(origin + '/')) return route.continue();
    return route.abort();
  });
  const out = {};
  const queue = input.pages.slice();
  async function worker() {
    const page = await ctx.newPage();
    while (queue.length) {
      const item = queue.shift();
      try {
        await page.goto(item.url, { waitUntil: 'load', timeout: item.timeout || 30000 });
        out[item.id] = await page.evaluate(() => ({
          cs: document.characterSet,
          base: document.baseURI,
          links: Array.from(document.links, (a) => [a.getAttribute('href'), a.href, a.protocol]),
        }));
      } catch (e) {
        out[item.id] = { error: String(e).slice(0, 300) };
      }
    }
    await page.close();
  }
  await Promise.all([worker(), worker(), worker()]);
  await browser.close();
  fs.writeFileSync(process.argv[3], JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
