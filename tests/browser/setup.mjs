import { prepare, start } from './demo.mjs';

export default async function setup() {
  await start(prepare());
}
