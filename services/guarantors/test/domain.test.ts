import { describe, expect, it } from 'vitest';
import { Problems } from '@treaty/service-kit';
import { commitmentStatus, totalsByCurrency, transitionProblem } from '../src/domain/commitment.js';
import { allotHolding, drawProblem, fundedRatio, fundingLine } from '../src/domain/funding.js';
import { unbalancedReason } from '../src/domain/ledger.js';
import { CEILINGS, CURRENCIES, MAX_MINOR, ceilingMinor, formatMinor, parseAmount } from '../src/domain/money.js';
import { checkPledge, pledgeNeeds, roleProblem } from '../src/domain/rules.js';
import { forfeitedShare, isSecondPerson, penaltyApplies, releaseBlocker, remainingMinor, trancheStatus } from '../src/domain/tranche.js';

function parse(amount: string, currency: string) {
  const p = new Problems();
  const minor = parseAmount(p, 'input.amount', amount, currency);
  let message: string | null = null;
  try {
    p.throwIfAny();
  } catch (e) {
    message = (e as Error).message;
  }
  return { minor, message };
}

describe('money', () => {
  it('converts decimal strings to minor units exactly, by the currency exponent', () => {
    expect(parse('1250000.00', 'USD').minor).toBe(125_000_000n);
    expect(parse('1250000', 'USD').minor).toBe(125_000_000n);
    expect(parse('0.1', 'EUR').minor).toBe(10n);
    expect(parse('1500000', 'JPY').minor).toBe(1_500_000n);
    expect(parse('12.345', 'KWD').minor).toBe(12_345n);
    expect(parse('0012.5', 'USD').minor).toBe(1_250n);
    // Every digit kept, up to the ceiling.
    expect(parse('9999999999.99', 'USD').minor).toBe(999_999_999_999n);
    expect(parse('5999999999999', 'XOF').minor).toBe(5_999_999_999_999n);
  });

  it('refuses more decimals than the currency has, naming the currency', () => {
    expect(parse('1.005', 'USD')).toEqual({ minor: null, message: expect.stringMatching(/3 decimals but USD allows 2/) });
    expect(parse('1500.5', 'JPY')).toEqual({ minor: null, message: expect.stringMatching(/JPY has no minor unit/) });
    expect(parse('1.2345', 'KWD').message).toMatch(/KWD allows 3/);
    expect(parse('1.000', 'USD').message).toMatch(/3 decimals/);
  });

  it('refuses negative, zero, malformed and oversized amounts', () => {
    expect(parse('-5.00', 'USD').message).toMatch(/negative/);
    expect(parse('0.00', 'USD').message).toMatch(/zero/);
    expect(parse('0', 'JPY').message).toMatch(/zero/);
    for (const bad of ['1,000.00', '1e6', '', ' ', '.5', '5.', '+5', 'NaN', '0x10', '１２']) expect(parse(bad, 'USD').message).toMatch(/not a decimal amount/);
    expect(parse('92233720368547758.08', 'USD').message).toMatch(/more than a single amount may be/);
    expect(parse('99999999999999999999999', 'JPY').message).toMatch(/more than a single amount may be/);
  });

  it('formats minor units with exactly the currency decimals', () => {
    expect(formatMinor(125_000_000n, 'USD')).toBe('1250000.00');
    expect(formatMinor(5n, 'USD')).toBe('0.05');
    expect(formatMinor(0n, 'EUR')).toBe('0.00');
    expect(formatMinor(1_500_000n, 'JPY')).toBe('1500000');
    expect(formatMinor(12_345n, 'KWD')).toBe('12.345');
    expect(formatMinor(-7n, 'KWD')).toBe('-0.007');
    expect(formatMinor(9_223_372_036_854_775_807n, 'USD')).toBe('92233720368547758.07');
  });
});

describe('commitments', () => {
  const at = new Date('2026-03-02T00:00:00Z');
  it('derive their status from the recorded moves', () => {
    expect(commitmentStatus({ committedAt: null, paidAt: null })).toBe('PLEDGED');
    expect(commitmentStatus({ committedAt: at, paidAt: null })).toBe('COMMITTED');
    expect(commitmentStatus({ committedAt: at, paidAt: at })).toBe('PAID');
  });

  it('move one step forward only; assurances are never paid', () => {
    expect(transitionProblem('FUNDING_PLEDGE', 'PLEDGED', 'COMMITTED')).toBeNull();
    expect(transitionProblem('FUNDING_PLEDGE', 'COMMITTED', 'PAID')).toBeNull();
    expect(transitionProblem('SECURITY_ASSURANCE', 'PLEDGED', 'COMMITTED')).toBeNull();
    expect(transitionProblem('FUNDING_PLEDGE', 'PLEDGED', 'PAID')).toMatch(/must be COMMITTED before/);
    expect(transitionProblem('FUNDING_PLEDGE', 'PAID', 'COMMITTED')).toMatch(/cannot move from PAID to COMMITTED/);
    expect(transitionProblem('FUNDING_PLEDGE', 'COMMITTED', 'PLEDGED')).toMatch(/cannot move back/);
    expect(transitionProblem('FUNDING_PLEDGE', 'COMMITTED', 'COMMITTED')).toMatch(/already COMMITTED/);
    expect(transitionProblem('SECURITY_ASSURANCE', 'COMMITTED', 'PAID')).toMatch(/never paid/);
  });

  it('total per currency with each pledge in exactly one bucket', () => {
    expect(
      totalsByCurrency([
        { currency: 'USD', committed: false, paid: false, minor: 100n },
        { currency: 'USD', committed: true, paid: false, minor: 20n },
        { currency: 'USD', committed: true, paid: true, minor: 3n },
        { currency: 'EUR', committed: false, paid: false, minor: 7n },
      ]),
    ).toEqual([
      { currency: 'EUR', pledged: 7n, committed: 0n, paid: 0n },
      { currency: 'USD', pledged: 100n, committed: 20n, paid: 3n },
    ]);
  });
});

describe('tranche status', () => {
  const open = { released: false, forfeitedMinor: 0n, remainingMinor: 100n, underSnapBack: false };
  it('follows the milestone while nothing is settled', () => {
    expect(trancheStatus({ ...open, milestoneStatus: 'PENDING' })).toBe('HELD');
    expect(trancheStatus({ ...open, milestoneStatus: 'DUE' })).toBe('HELD');
    expect(trancheStatus({ ...open, milestoneStatus: 'WAIVED' })).toBe('HELD');
    expect(trancheStatus({ ...open, milestoneStatus: 'MET' })).toBe('RELEASABLE');
    expect(trancheStatus({ ...open, milestoneStatus: 'MET_LATE' })).toBe('RELEASABLE');
    expect(trancheStatus({ ...open, milestoneStatus: 'MISSED' })).toBe('MISSED_HELD');
  });
  it('is WITHHELD while a snap-back covers the milestone, even when certified, but never un-releases', () => {
    expect(trancheStatus({ ...open, milestoneStatus: 'MET', underSnapBack: true })).toBe('WITHHELD');
    expect(trancheStatus({ ...open, milestoneStatus: 'PENDING', underSnapBack: true })).toBe('WITHHELD');
    expect(trancheStatus({ ...open, released: true, milestoneStatus: 'MET', underSnapBack: true })).toBe('RELEASED');
  });
  it('is RELEASED once released, and FORFEITED when nothing remains, whatever the milestone says', () => {
    expect(trancheStatus({ ...open, released: true, milestoneStatus: 'MISSED' })).toBe('RELEASED');
    expect(trancheStatus({ ...open, forfeitedMinor: 100n, remainingMinor: 0n, milestoneStatus: 'MET_LATE' })).toBe('FORFEITED');
  });
  it('forfeits a share rounded down to a whole minor unit', () => {
    expect(forfeitedShare(50_000_001n, 2_500)).toBe(12_500_000n);
    expect(forfeitedShare(3n, 3_333)).toBe(0n);
    expect(forfeitedShare(100n, 10_000)).toBe(100n);
    expect(forfeitedShare(100n, 0)).toBe(0n);
    expect(() => forfeitedShare(100n, 10_001)).toThrow();
  });
});

describe('funding', () => {
  const t = (id: string, amount: bigint, released = false) => ({ id, milestoneId: 'm', currency: 'USD', amountMinor: amount, forfeitedMinor: 0n, releasedMinor: released ? amount : null, unpaidMinor: 0n, carriedInMinor: 0n });
  it('covers open tranches in creation order and counts released ones as funded', () => {
    const h = allotHolding(150n, [t('a', 100n), t('r', 500n, true), t('b', 100n), t('c', 100n)]);
    expect(['a', 'r', 'b', 'c'].map((id) => fundingLine('USD', h.tranches.get(id)!))).toEqual([
      { currency: 'USD', dueMinor: 100n, fundedMinor: 100n },
      { currency: 'USD', dueMinor: 500n, fundedMinor: 500n },
      { currency: 'USD', dueMinor: 100n, fundedMinor: 50n },
      { currency: 'USD', dueMinor: 100n, fundedMinor: 0n },
    ]);
    expect(allotHolding(-5n, [t('a', 10n)]).tranches.get('a')).toEqual({ forfeited: 0n, released: 0n, unpaid: 0n, carriedIn: 0n, releasedAlready: false, held: 0n, unfunded: 10n });
  });
  it('is funded over owed per currency, the lowest across currencies, 0 when nothing is owed', () => {
    expect(fundedRatio([])).toBe(0);
    expect(fundedRatio([{ currency: 'USD', dueMinor: 0n, fundedMinor: 0n }])).toBe(0);
    expect(fundedRatio([{ currency: 'USD', dueMinor: 100n, fundedMinor: 100n }])).toBe(1);
    expect(fundedRatio([{ currency: 'USD', dueMinor: 300n, fundedMinor: 100n }, { currency: 'USD', dueMinor: 100n, fundedMinor: 100n }])).toBe(0.5);
    expect(fundedRatio([{ currency: 'USD', dueMinor: 100n, fundedMinor: 100n }, { currency: 'EUR', dueMinor: 400n, fundedMinor: 100n }])).toBe(0.25);
    // Never rounds up to 1 while a minor unit is missing.
    expect(fundedRatio([{ currency: 'USD', dueMinor: 9_000_000_000_000n, fundedMinor: 8_999_999_999_999n }])).toBeLessThan(1);
  });
});

describe('ledger journals', () => {
  it('balance when two or more non-zero entries sum to zero and move the journal amount', () => {
    expect(unbalancedReason(5n, [{ accountId: 'a', amountMinor: -5n }, { accountId: 'b', amountMinor: 5n }])).toBeNull();
    expect(unbalancedReason(5n, [{ accountId: 'a', amountMinor: -5n }, { accountId: 'b', amountMinor: 4n }])).toMatch(/sum to -1/);
    expect(unbalancedReason(5n, [{ accountId: 'a', amountMinor: 5n }])).toMatch(/at least two/);
    expect(unbalancedReason(5n, [{ accountId: 'a', amountMinor: -6n }, { accountId: 'b', amountMinor: 6n }])).toMatch(/move 6/);
    expect(unbalancedReason(0n, [])).toMatch(/positive amount/);
    expect(unbalancedReason(5n, [{ accountId: 'a', amountMinor: 0n }, { accountId: 'b', amountMinor: -5n }, { accountId: 'c', amountMinor: 5n }])).toMatch(/cannot be zero/);
  });
});

describe('releases and penalties', () => {
  it('owe the amount less any forfeited share', () => {
    expect(remainingMinor(100n, null)).toBe(100n);
    expect(remainingMinor(100n, undefined)).toBe(100n);
    expect(remainingMinor(100n, 25n)).toBe(75n);
    expect(remainingMinor(100n, 100n)).toBe(0n);
  });
  it('release only a certified milestone not under snap-back, naming certification first', () => {
    expect(releaseBlocker({ status: 'MET', underSnapBack: false })).toBeNull();
    expect(releaseBlocker({ status: 'MET_LATE', underSnapBack: false })).toBeNull();
    expect(releaseBlocker({ status: 'MET', underSnapBack: true })).toBe('WITHHELD');
    for (const status of ['PENDING', 'DUE', 'MISSED', 'WAIVED'] as const) {
      expect(releaseBlocker({ status, underSnapBack: false })).toBe('NOT_CERTIFIED');
      expect(releaseBlocker({ status, underSnapBack: true })).toBe('NOT_CERTIFIED');
    }
  });
  it('need a releasing person other than the approving one', () => {
    expect(isSecondPerson('mediator-1', 'officer-2')).toBe(true);
    expect(isSecondPerson('mediator-1', 'mediator-1')).toBe(false);
    expect(isSecondPerson('mediator-1', null)).toBe(false);
    expect(isSecondPerson('mediator-1', undefined)).toBe(false);
    expect(isSecondPerson('mediator-1', '')).toBe(false);
  });
  it('apply the penalty schedule only to a MISSED milestone', () => {
    expect(penaltyApplies('MISSED')).toBe(true);
    for (const status of ['PENDING', 'DUE', 'MET', 'MET_LATE', 'WAIVED'] as const) expect(penaltyApplies(status)).toBe(false);
  });
});

describe('guarantor roles', () => {
  it('a funding pledge needs a FUNDER, a security assurance a SECURITY_GUARANTOR', () => {
    expect(pledgeNeeds('FUNDING_PLEDGE')).toEqual({ role: 'FUNDER', what: 'a funding pledge' });
    expect(pledgeNeeds('SECURITY_ASSURANCE')).toEqual({ role: 'SECURITY_GUARANTOR', what: 'a security assurance' });
  });
  it('names the roles a guarantor has when it lacks the one needed', () => {
    const g = { name: 'Office of the Guarantor', roles: ['MONITOR', 'SECURITY_GUARANTOR'] };
    expect(roleProblem(g, 'SECURITY_GUARANTOR', 'a security assurance')).toBeNull();
    expect(roleProblem(g, 'FUNDER', 'a deposit')).toBe(
      'Office of the Guarantor is registered with the roles MONITOR, SECURITY_GUARANTOR; a deposit needs a guarantor with the FUNDER role.',
    );
  });
  it('a security assurance without a description is refused', () => {
    const p = new Problems();
    expect(checkPledge(p, { kind: 'SECURITY_ASSURANCE', description: null })).toBeNull();
    expect(() => p.throwIfAny()).toThrow(/needs a description/);
  });
});

describe('issue 14, item 7: amounts are refused with spaces around them and above a per-currency ceiling', () => {
  it('refuses an amount with spaces around it (the message itself says no spaces), naming them', () => {
    for (const spaced of [' 100.00 ', '100.00 ', ' 100.00', '\t100.00', '100.00\n', '\u00a0100.00']) {
      expect(parse(spaced, 'USD')).toEqual({ minor: null, message: expect.stringMatching(/has spaces around it; send the amount alone, like "100.00"/) });
    }
  });

  it('accepts amounts up to the ceiling of each currency and refuses anything above it, stating the ceiling', () => {
    expect(parse('10000000000.00', 'USD').minor).toBe(1_000_000_000_000n);
    expect(parse('10000000000.01', 'USD').message).toMatch(/10000000000\.01 USD is more than a single amount may be: at most 10000000000\.00 USD \(10,000,000,000 USD\)/);
    expect(parse('90000000000000000.00', 'USD').message).toMatch(/at most 10000000000\.00 USD/);
    expect(parse('99999999999999999999999', 'JPY').message).toMatch(/at most 1500000000000 JPY/);
    expect(parse('1500000000000', 'JPY').minor).toBe(1_500_000_000_000n);
    expect(parse('3000000000.001', 'KWD').message).toMatch(/at most 3000000000\.000 KWD/);
    expect(parse('100000000000.00', 'NOK').minor).toBe(10_000_000_000_000n);
    // A string of a million digits is refused without building a million-digit number.
    expect(parse('9'.repeat(1_000_000), 'EUR').message).toMatch(/at most 10000000000\.00 EUR/);
    // Every accepted currency has a ceiling, and every ceiling fits the ledger's bigint columns many times over.
    expect(Object.keys(CEILINGS).sort()).toEqual(Object.keys(CURRENCIES).sort());
    for (const c of Object.keys(CURRENCIES)) expect(ceilingMinor(c) * 1_000n).toBeLessThan(MAX_MINOR);
  });
});

describe('issue 14, item 2: a tranche status says what happened to its money', () => {
  const open = { released: false, forfeitedMinor: 0n, remainingMinor: 200n, underSnapBack: false };
  it('is MISSED_HELD when its milestone is missed and nothing was forfeited, PARTLY_FORFEITED after a partial penalty, FORFEITED only when nothing remains', () => {
    expect(trancheStatus({ ...open, milestoneStatus: 'MISSED' })).toBe('MISSED_HELD');
    expect(trancheStatus({ ...open, forfeitedMinor: 50n, remainingMinor: 150n, milestoneStatus: 'MISSED' })).toBe('PARTLY_FORFEITED');
    expect(trancheStatus({ ...open, forfeitedMinor: 200n, remainingMinor: 0n, milestoneStatus: 'MISSED' })).toBe('FORFEITED');
    // Certified late after a partial penalty: the rest is releasable; a snap-back still withholds it.
    expect(trancheStatus({ ...open, forfeitedMinor: 50n, remainingMinor: 150n, milestoneStatus: 'MET_LATE' })).toBe('RELEASABLE');
    expect(trancheStatus({ ...open, forfeitedMinor: 50n, remainingMinor: 150n, milestoneStatus: 'MISSED', underSnapBack: true })).toBe('WITHHELD');
  });
});

describe('issue 14, items 2 and 6: each tranche\'s funds, reserved in creation order', () => {
  type T = { id: string; milestoneId: string; currency: string; amountMinor: bigint; forfeitedMinor: bigint; releasedMinor: bigint | null; unpaidMinor: bigint; carriedInMinor: bigint };
  const t = (id: string, amount: bigint, more: Partial<T> = {}): T => ({ id, milestoneId: `m-${id}`, currency: 'USD', amountMinor: amount, forfeitedMinor: 0n, releasedMinor: null, unpaidMinor: 0n, carriedInMinor: 0n, ...more });
  const none = { unpaid: 0n, carriedIn: 0n };

  it('splits every tranche into forfeited + released + held + unfunded = amount, and the holding into reserved + unreserved = balance', () => {
    const h = allotHolding(1_200n, [t('a', 1_000n), t('r', 300n, { forfeitedMinor: 100n, releasedMinor: 200n }), t('p', 200n, { forfeitedMinor: 50n }), t('b', 500n)]);
    expect(h.tranches.get('a')).toEqual({ ...none, releasedAlready: false, forfeited: 0n, released: 0n, held: 1_000n, unfunded: 0n });
    expect(h.tranches.get('r')).toEqual({ ...none, releasedAlready: true, forfeited: 100n, released: 200n, held: 0n, unfunded: 0n });
    expect(h.tranches.get('p')).toEqual({ ...none, releasedAlready: false, forfeited: 50n, released: 0n, held: 150n, unfunded: 0n });
    expect(h.tranches.get('b')).toEqual({ ...none, releasedAlready: false, forfeited: 0n, released: 0n, held: 50n, unfunded: 450n });
    expect({ reserved: h.reservedMinor, unreserved: h.unreservedMinor }).toEqual({ reserved: 1_200n, unreserved: 0n });
    expect(allotHolding(2_000n, [t('a', 500n)])).toMatchObject({ reservedMinor: 500n, unreservedMinor: 1_500n });
  });

  it('lets a release or penalty draw only on what is held for its own tranche, naming what earlier tranches keep', () => {
    const h = allotHolding(1_500n, [t('day30', 1_000n), t('day60', 500n), t('lists', 250n)]);
    expect(drawProblem(h, 'day30', 1_000n)).toBeNull();
    expect(drawProblem(h, 'lists', 250n)).toEqual({ balanceMinor: 1_500n, reservedEarlierMinor: 1_500n, earlierUnfundedMinor: 0n, heldMinor: 0n, neededMinor: 250n, shortMinor: 250n });
    expect(drawProblem(allotHolding(1_600n, [t('a', 1_000n), t('b', 500n)]), 'b', 400n)).toBeNull();
    // An earlier tranche still short is covered first by the next deposit, so it counts in what to deposit.
    expect(drawProblem(allotHolding(800n, [t('a', 1_000n), t('b', 500n)]), 'b', 500n)).toMatchObject({ reservedEarlierMinor: 800n, earlierUnfundedMinor: 200n, heldMinor: 0n, shortMinor: 700n });
  });

  it('never lowers what another tranche holds when a draw it allows is made (every order, every draw)', () => {
    let seed = 14;
    const next = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648), seed % n);
    for (let round = 0; round < 400; round++) {
      const tranches = Array.from({ length: 1 + next(5) }, (_, i) => {
        const amount = BigInt(1 + next(1_000));
        const forfeited = next(3) === 0 ? BigInt(next(Number(amount))) : 0n;
        return t(`t${i}`, amount, { forfeitedMinor: forfeited, releasedMinor: next(5) === 0 ? amount - forfeited : null });
      });
      const balance = BigInt(next(3_000));
      const before = allotHolding(balance, tranches);
      const target = tranches[next(tranches.length)]!;
      if (target.releasedMinor !== null) continue;
      const releasing = next(2) === 0;
      const need = releasing ? target.amountMinor - target.forfeitedMinor : BigInt(1 + next(Number(target.amountMinor)));
      if (need <= 0n || need > target.amountMinor - target.forfeitedMinor || drawProblem(before, target.id, need) !== null) continue;
      const after = allotHolding(
        balance - need,
        tranches.map((x) => (x.id !== target.id ? x : releasing ? { ...x, releasedMinor: need } : { ...x, forfeitedMinor: x.forfeitedMinor + need })),
      );
      for (const other of tranches.filter((x) => x.id !== target.id)) expect(after.tranches.get(other.id)!.held).toBe(before.tranches.get(other.id)!.held);
    }
  });
});
