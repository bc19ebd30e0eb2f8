import { runService } from '@treaty/service-kit';
import guarantors from './server.js';

async function main(): Promise<void> {
  await runService(guarantors, process.env);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
