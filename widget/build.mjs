// Builds the storefront widget into the theme app extension's assets: the loader (on every
// page, budget 2 KB gzipped) and the chat UI (fetched on interest, budget 20 KB gzipped, CSS
// included). Output is deterministic and committed, so the extension deploys as it is.
//
//   node widget/build.mjs           build into theme-extension/assets/
//   node widget/build.mjs --check   type-check (tsc --noEmit) and fail if the committed
//                                   assets differ from a fresh build, or strings drifted
//   node widget/build.mjs --sizes   print gzip sizes and fail over budget
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const extension = path.resolve(here, '..', 'theme-extension');
const assets = path.join(extension, 'assets');

const bundles = [
  { entry: 'src/loader.ts', out: 'concierge-loader.js', budget: 2048 },
  { entry: 'src/chat/index.ts', out: 'concierge-chat.js', budget: 20480 },
];

// CSS is imported as text and minified, so it ships inside the bundle that applies it to its
// shadow root (no extra request, no flash of unstyled launcher).
const cssAsText = {
  name: 'css-as-text',
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, async (args) => {
      const { code } = await esbuild.transform(readFileSync(args.path, 'utf8'), {
        loader: 'css',
        minify: true,
        target: ['chrome90', 'safari15', 'firefox90'],
      });
      return { contents: `export default ${JSON.stringify(code.trim())};`, loader: 'js' };
    });
  },
};

async function build() {
  const out = {};
  for (const { entry, out: name } of bundles) {
    const result = await esbuild.build({
      entryPoints: [path.join(here, entry)],
      bundle: true,
      minify: true,
      format: 'iife',
      target: ['chrome90', 'safari15', 'firefox90'],
      charset: 'utf8',
      legalComments: 'none',
      write: false,
      absWorkingDir: here,
      plugins: [cssAsText],
      banner: { js: '/* Built by widget/build.mjs; do not edit. */' },
    });
    out[name] = result.outputFiles[0].text;
  }
  return out;
}

const gz = (text) => gzipSync(text, { level: 9 }).length;

function sizes(files) {
  let over = false;
  for (const { out, budget } of bundles) {
    const text = files[out];
    const size = gz(text);
    const ok = size <= budget;
    over ||= !ok;
    console.log(
      `${out.padEnd(22)} ${String(Buffer.byteLength(text)).padStart(6)} B  ` +
        `${String(size).padStart(6)} B gzip  budget ${budget} B  ${ok ? 'ok' : 'OVER BUDGET'}`,
    );
  }
  return !over;
}

/** Every `concierge.*` string in the locales is rendered by the block, and in every language. */
function checkStrings() {
  const problems = [];
  const read = (f) => JSON.parse(readFileSync(path.join(extension, 'locales', f), 'utf8'));
  const keys = Object.keys(read('en.default.json').concierge);
  const block = readFileSync(path.join(extension, 'blocks', 'concierge.liquid'), 'utf8');
  for (const key of keys) {
    if (!block.includes(`'concierge.${key}' | t`)) problems.push(`blocks/concierge.liquid does not render concierge.${key}`);
  }
  const types = readFileSync(path.join(here, 'src', 'shared', 'config.ts'), 'utf8');
  const typed = [...types.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);
  for (const key of keys) if (!typed.includes(key)) problems.push(`StringKey lacks '${key}'`);
  for (const lang of ['en.default', 'fr', 'es', 'de', 'it', 'pt-BR', 'nl', 'ja', 'ar', 'he']) {
    const strings = read(`${lang}.json`).concierge;
    for (const key of keys) {
      if (!strings?.[key]) problems.push(`locales/${lang}.json lacks concierge.${key}`);
      // Shopify's `t` HTML-escapes these, and the widget shows strings as text: write ’ not '.
      else if (/[&<>"']/.test(strings[key])) problems.push(`locales/${lang}.json: concierge.${key} has one of & < > " ' (t escapes them)`);
    }
  }
  return problems;
}

const args = process.argv.slice(2);
const files = await build();

if (args.includes('--check')) {
  let failed = false;
  try {
    execFileSync(process.execPath, [path.join(here, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', here], {
      stdio: 'inherit',
    });
  } catch {
    console.error('check: tsc --noEmit failed');
    failed = true;
  }
  for (const [name, text] of Object.entries(files)) {
    let committed = null;
    try {
      committed = readFileSync(path.join(assets, name), 'utf8');
    } catch {}
    if (committed !== text) {
      console.error(`check: theme-extension/assets/${name} differs from a fresh build (run node widget/build.mjs)`);
      failed = true;
    }
  }
  for (const problem of checkStrings()) {
    console.error(`check: ${problem}`);
    failed = true;
  }
  if (failed) process.exit(1);
  console.log('check: assets match a fresh build; types and strings are in step');
} else if (args.includes('--sizes')) {
  const committed = Object.fromEntries(bundles.map(({ out }) => [out, readFileSync(path.join(assets, out), 'utf8')]));
  if (!sizes(committed)) process.exit(1);
} else {
  mkdirSync(assets, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(assets, name), text);
  sizes(files);
}
