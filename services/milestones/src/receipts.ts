import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DomainError, ErrorCode } from '@treaty/service-kit';
import { ConfidentialReport } from './entities/index.js';
import { NO_REPORT_FOR_RECEIPT, RECEIPT_BYTES, isReceiptShaped } from './domain/confidential.js';

/**
 * Receipts of confidential reports: 32 random bytes, base64url, shown once to the reporter. The service
 * keeps only the SHA-256 (a receipt has 256 bits of entropy, so a plain hash cannot be reversed by
 * trying receipts), and finds a report by hashing what it is given.
 */
export function newReceipt(): { receipt: string; sha256: string } {
  const receipt = randomBytes(RECEIPT_BYTES).toString('base64url');
  return { receipt, sha256: receiptDigest(receipt) };
}

export function receiptDigest(receipt: string): string {
  return createHash('sha256').update(receipt, 'utf8').digest('hex');
}

/** The one refusal for a receipt that opens nothing; it never repeats the receipt back. */
export const noReportForReceipt = () => new DomainError(ErrorCode.NOT_FOUND, NO_REPORT_FOR_RECEIPT);

/** The report a receipt opens, locked for update when `lock` (a write follows); else NOT_FOUND. */
export async function reportByReceipt(m: EntityManager, receipt: string, lock = false): Promise<ConfidentialReport> {
  if (!isReceiptShaped(receipt)) throw noReportForReceipt();
  const qb = m.getRepository(ConfidentialReport).createQueryBuilder('r').where('r.receipt_sha256 = :digest', { digest: receiptDigest(receipt) });
  const report = await (lock ? qb.setLock('pessimistic_write') : qb).getOne();
  if (!report) throw noReportForReceipt();
  return report;
}
