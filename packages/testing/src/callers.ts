import { PUBLIC_CALLER, type Caller, type Role } from '@treaty/service-kit';

/** A caller as the gateway would pass it after verifying a token. */
export function caller(roles: Role[] | Role, extra: Partial<Caller> = {}): Caller {
  const list = Array.isArray(roles) ? roles : [roles];
  return { ...PUBLIC_CALLER, subject: `test-${list.join('-').toLowerCase()}`, agency: 'Test Agency', roles: list, ...extra };
}

export const anonymous: Caller = PUBLIC_CALLER;
