import { runService } from '@treaty/service-kit';
import corridors from './server.js';

async function main(): Promise<void> {
  await runService(corridors, process.env);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
