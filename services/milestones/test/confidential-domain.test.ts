import { describe, expect, it } from 'vitest';
import { Problems } from '@treaty/service-kit';
import { REPORT_STATES } from '../src/entities/index.js';
import { checkSubmission, isReceiptShaped, reportLinks, reportState, reviewRefusal, statusChangedAt } from '../src/domain/confidential.js';
import { newReceipt, receiptDigest } from '../src/receipts.js';

describe('how a handler may move a report', () => {
  it('allows exactly these moves, and the same status again only with a link', () => {
    const allowed = REPORT_STATES.flatMap((from) => REPORT_STATES.filter((to) => reviewRefusal(from, to, false) === null).map((to) => `${from}->${to}`));
    expect(allowed).toEqual([
      'RECEIVED->UNDER_REVIEW',
      'RECEIVED->VALIDATED',
      'RECEIVED->NOT_VALIDATED',
      'RECEIVED->CLOSED',
      'UNDER_REVIEW->VALIDATED',
      'UNDER_REVIEW->NOT_VALIDATED',
      'UNDER_REVIEW->CLOSED',
      'VALIDATED->CLOSED',
      'NOT_VALIDATED->UNDER_REVIEW',
      'NOT_VALIDATED->CLOSED',
    ]);
    expect(reviewRefusal('UNDER_REVIEW', 'UNDER_REVIEW', true)).toBeNull();
    expect(reviewRefusal('CLOSED', 'CLOSED', true)).toMatch(/CLOSED, which is final/);
    expect(reviewRefusal('RECEIVED', 'RECEIVED', true)).toMatch(/RECEIVED is the state of a report before any review/);
  });

  it('dates a status change by the review that moved it, not by one that only linked it', () => {
    const t = (h: number) => new Date(Date.UTC(2026, 2, 20, h));
    expect(statusChangedAt([])).toBeNull();
    expect(statusChangedAt([{ status: 'UNDER_REVIEW', reviewedAt: t(1) }, { status: 'UNDER_REVIEW', reviewedAt: t(2) }])).toEqual(t(1));
    expect(statusChangedAt([{ status: 'UNDER_REVIEW', reviewedAt: t(1) }, { status: 'VALIDATED', reviewedAt: t(3) }, { status: 'VALIDATED', reviewedAt: t(4) }])).toEqual(t(3));
  });

  it('takes the status from the latest review and keeps the latest link of each kind', () => {
    expect(reportState([])).toBe('RECEIVED');
    expect(reportState([{ status: 'UNDER_REVIEW' }, { status: 'VALIDATED' }])).toBe('VALIDATED');
    expect(reportLinks([
      { incidentId: 'i1', disputeId: null },
      { incidentId: null, disputeId: 'd1' },
      { incidentId: 'i2', disputeId: null },
    ])).toEqual({ incidentId: 'i2', disputeId: 'd1' });
  });
});

describe('receipts', () => {
  it('are 43 base64url characters of 32 random bytes, each different, known to the service only by their SHA-256', () => {
    const a = newReceipt();
    const b = newReceipt();
    expect(isReceiptShaped(a.receipt)).toBe(true);
    expect(a.receipt).not.toBe(b.receipt);
    expect(a.sha256).toBe(receiptDigest(a.receipt));
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(isReceiptShaped(`${a.receipt}=`)).toBe(false);
    expect(isReceiptShaped(a.receipt.slice(1))).toBe(false);
  });
});

describe('a submission', () => {
  it('treats blank optional fields as absent, and accepts a when equal to now', () => {
    const p = new Problems();
    checkSubmission(p, { what: 'Shots at the well', where: '  ', contact: '', when: new Date('2026-03-20T10:00:00Z') }, new Date('2026-03-20T10:00:00Z'));
    expect(p.any).toBe(false);
  });
});
