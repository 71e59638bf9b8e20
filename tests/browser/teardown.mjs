import { cleanup, stop } from './demo.mjs';

export default async function teardown() {
  await stop('SIGTERM');
  cleanup();
}
