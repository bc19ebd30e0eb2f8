import { parseArgs } from 'node:util';
import { ROLES, type Role } from '@treaty/service-kit';
import { ensureKeys, mintDevToken } from './keys.js';
import { dataDir } from './paths.js';

const USAGE = `Usage: npm run token -- --agency <name> --role <ROLE>[,<ROLE>] [--party <party id>] [--guarantor <guarantor id>] [--hours <n>]
Roles: ${ROLES.join(', ')}. The token is printed on the last line; send it as "Authorization: Bearer <token>".`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      agency: { type: 'string' },
      role: { type: 'string' },
      party: { type: 'string' },
      guarantor: { type: 'string' },
      subject: { type: 'string' },
      hours: { type: 'string', default: '12' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const problems: string[] = [];
  if (!values.agency) problems.push('--agency is required, e.g. --agency "Office of the Envoy"');
  const roles = (values.role ?? '').split(',').map((r) => r.trim().toUpperCase()).filter(Boolean);
  if (roles.length === 0) problems.push(`--role is required: one or more of ${ROLES.join(', ')}, comma-separated`);
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length) problems.push(`unknown role ${unknown.join(', ')}; use ${ROLES.join(', ')}`);
  if (roles.includes('PARTY') && !values.party) problems.push('--party <party id> is required with the PARTY role');
  const hours = Number(values.hours);
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) problems.push('--hours must be between 0 and 720');
  if (problems.length) {
    console.error(`${problems.map((p) => `error: ${p}`).join('\n')}\n\n${USAGE}`);
    process.exit(2);
  }
  const keys = await ensureKeys(dataDir(process.env));
  const token = await mintDevToken(keys, {
    agency: values.agency!,
    roles: roles as Role[],
    partyId: values.party,
    guarantorId: values.guarantor,
    subject: values.subject,
    ttlSeconds: Math.round(hours * 3600),
  });
  console.log(`Development token for ${values.agency} (${roles.join(', ')}), valid ${hours} h, trusted by the gateway that npm start runs:`);
  console.log(token);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
