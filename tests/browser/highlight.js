// Opens a notebook in a running Jupyter server with headless Chromium and writes, for every code
// cell, what its editor shows: the editor's data-language, each line's classes and each text
// run with the classes of the spans around it; then a screenshot of the notebook.
//   node highlight.js URL OUT.json OUT.png [SELECTOR]
// SELECTOR, if given, is waited for too (a class that appears once the kernel has answered).
// URL is the notebook's page with its token (JupyterLab /lab/tree/NB or Notebook 7 /notebooks/NB).
// Chromium is the system's (DBKERNEL_CHROMIUM, else /usr/bin/chromium); pages may reach
// loopback only.
'use strict';
const fs = require('fs');
const { chromium } = require('playwright-core');

async function main() {
  const [url, outJson, outPng, waitFor] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.DBKERNEL_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    await page.route('**/*', route => {
      const host = new URL(route.request().url()).hostname;
      return ['127.0.0.1', 'localhost', '[::1]'].includes(host) || route.request().url().startsWith('data:')
        ? route.continue() : route.abort();
    });
    // Browser errors go to stderr, so a failing test shows why the extension did not act.
    page.on('console', message => {
      if (['error', 'warning'].includes(message.type())) {
        console.error(`[console.${message.type()}] ${message.text()}`);
      }
    });
    page.on('pageerror', error => console.error(`[pageerror] ${error.message}`));
    await page.goto(url);
    // The extension marks body lines once the cell language is in place.
    await page.waitForSelector('.cm-dbk-body-redis', { timeout: 60000 });
    await page.waitForSelector('.cm-dbk-body-mql .tok-keyword', { timeout: 30000 });
    if (waitFor) {
      await page.waitForSelector(waitFor, { timeout: 60000 });
    }
    const cells = await page.evaluate(() => {
      return [...document.querySelectorAll('.jp-CodeCell')].map(cell => {
        const content = cell.querySelector('.cm-content');
        const lines = [...content.querySelectorAll('.cm-line')].map(line => {
          const runs = [];
          const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const classes = [];
            for (let el = node.parentElement; el && el !== line; el = el.parentElement) {
              classes.push(...el.classList);
            }
            runs.push({ text: node.textContent, classes });
          }
          return { classes: [...line.classList], text: line.textContent, runs };
        });
        return { language: content.getAttribute('data-language'), lines };
      });
    });
    fs.writeFileSync(outJson, JSON.stringify({ cells }, null, 1));
    // Blur the editor so no cursor blinks in the picture, then photograph the cells.
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    const clip = await page.evaluate(() => {
      const boxes = [...document.querySelectorAll('.jp-CodeCell')].map(cell => cell.getBoundingClientRect());
      const left = Math.min(...boxes.map(b => b.left));
      const top = Math.min(...boxes.map(b => b.top));
      return {
        x: left, y: top,
        width: Math.max(...boxes.map(b => b.right)) - left,
        height: Math.max(...boxes.map(b => b.bottom)) - top,
      };
    });
    await page.screenshot({ path: outPng, clip });
  } finally {
    await browser.close();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
