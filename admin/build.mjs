// Builds the App Home (admin/src) into admin/dist/: one script and one stylesheet, both
// included in the `concierge` binary (src/http/app_home.rs) and served under a content hash.
// Output is deterministic and committed, so the Rust build needs no Node.
//
//   node admin/build.mjs           build into admin/dist/
//   node admin/build.mjs --check   type-check (tsc --noEmit) and fail if the committed build
//                                  differs from a fresh one
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const target = ['chrome100', 'safari16', 'firefox100'];

async function build() {
  const script = await esbuild.build({
    entryPoints: [path.join(here, 'src/main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target,
    charset: 'utf8',
    legalComments: 'none',
    write: false,
    absWorkingDir: here,
    banner: { js: '/* Built by admin/build.mjs; do not edit. */' },
  });
  const style = await esbuild.transform(readFileSync(path.join(here, 'src/app.css'), 'utf8'), {
    loader: 'css',
    minify: true,
    target,
  });
  return { 'admin.js': script.outputFiles[0].text, 'admin.css': style.code };
}

const files = await build();

if (process.argv.includes('--check')) {
  let failed = false;
  try {
    execFileSync(process.execPath, [path.join(here, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', here], { stdio: 'inherit' });
  } catch {
    console.error('check: tsc --noEmit failed');
    failed = true;
  }
  for (const [name, text] of Object.entries(files)) {
    let committed = null;
    try {
      committed = readFileSync(path.join(dist, name), 'utf8');
    } catch {}
    if (committed !== text) {
      console.error(`check: admin/dist/${name} differs from a fresh build (run node admin/build.mjs)`);
      failed = true;
    }
  }
  if (failed) process.exit(1);
  console.log('check: admin/dist matches a fresh build; types check');
} else {
  mkdirSync(dist, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(path.join(dist, name), text);
    console.log(`admin/dist/${name.padEnd(10)} ${String(Buffer.byteLength(text)).padStart(7)} B`);
  }
}
