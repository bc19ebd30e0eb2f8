import { describe, expect, it } from 'vitest';
import { Problems } from '@treaty/service-kit';
import { CONVOY_STATUSES } from '../src/entities/index.js';
import { CONVOY_TRANSITIONS, advanceRefusal, allowedNext, isAllowed, stepKind } from '../src/domain/convoy-status.js';
import { VERIFICATION_TRANSITIONS, currentVerificationState, verificationRefusal } from '../src/domain/verification.js';
import { dayStatus } from '../src/domain/corridor-status.js';
import { daysBetween, isoDate } from '../src/domain/calendar.js';
import { classifyPoints, differences, firstOfEach, positionKey } from '../src/domain/positions.js';
import { quietHours, parseWindowKey, windowKey } from '../src/domain/metrics.js';
import { movementOf, telemetryGaps } from '../src/domain/telemetry.js';
import { cargoRefusal, checkCargoLines, checkInForce, checkVerification, mayCarry, remainingCargoProblems } from '../src/domain/rules.js';

const d = (iso: string) => new Date(iso);

describe('convoy status machine', () => {
  it('is exactly the agreed table', () => {
    expect(CONVOY_TRANSITIONS).toEqual({
      REQUESTED: ['CLEARED', 'DENIED'],
      CLEARED: ['AT_CROSSING'],
      DENIED: [],
      AT_CROSSING: ['INSPECTED'],
      INSPECTED: ['IN_TRANSIT', 'RETURNED'],
      IN_TRANSIT: ['DELIVERED', 'INTERCEPTED', 'RETURNED'],
      DELIVERED: [],
      INTERCEPTED: [],
      RETURNED: [],
    });
    const pairs = CONVOY_STATUSES.flatMap((from) => CONVOY_STATUSES.filter((to) => isAllowed(from, to, null)).map((to) => `${from}>${to}`));
    expect(pairs).toHaveLength(9);
    expect(CONVOY_STATUSES.some((s) => isAllowed(s, 'REQUESTED', null))).toBe(false);
  });

  it('allows only RETURNED after a REJECTED inspection', () => {
    expect(allowedNext('INSPECTED', 'REJECTED')).toEqual(['RETURNED']);
    expect(allowedNext('INSPECTED', 'PARTIAL')).toEqual(['IN_TRANSIT', 'RETURNED']);
  });

  it('lets advanceConvoy take every legal step but INSPECTED, and explains every other move', () => {
    const advanceable = CONVOY_STATUSES.flatMap((from) => CONVOY_STATUSES.filter((to) => advanceRefusal(from, to, null) === null).map((to) => `${from}>${to}`));
    expect(advanceable).toEqual(['REQUESTED>CLEARED', 'REQUESTED>DENIED', 'CLEARED>AT_CROSSING', 'INSPECTED>IN_TRANSIT', 'INSPECTED>RETURNED', 'IN_TRANSIT>DELIVERED', 'IN_TRANSIT>INTERCEPTED', 'IN_TRANSIT>RETURNED']);
    expect(advanceRefusal('INSPECTED', 'IN_TRANSIT', 'REJECTED')).toBe('Its latest inspection REJECTED the cargo, so it can only be RETURNED. From INSPECTED it may move to RETURNED.');
    expect(advanceRefusal('INSPECTED', 'RETURNED', 'REJECTED')).toBeNull();
    expect(advanceRefusal('AT_CROSSING', 'INSPECTED', null)).toBe(
      'A convoy becomes INSPECTED only when the monitoring cell records its PRIMARY inspection with recordInspection (MONITOR role), not through advanceConvoy.',
    );
    expect(advanceRefusal('AT_CROSSING', 'IN_TRANSIT', null)).toBe('From AT_CROSSING it may move to INSPECTED, once its PRIMARY inspection is recorded with recordInspection.');
    expect(advanceRefusal('REQUESTED', 'INSPECTED', null)).toMatch(/while the convoy is AT_CROSSING\. From REQUESTED it may move to CLEARED or DENIED\.$/);
    expect(advanceRefusal('IN_TRANSIT', 'CLEARED', null)).toBe('From IN_TRANSIT it may move to DELIVERED, INTERCEPTED or RETURNED.');
    expect(advanceRefusal('DELIVERED', 'INSPECTED', null)).toMatch(/DELIVERED is final; no further status can follow it\.$/);
  });

  it('names who takes each step', () => {
    expect(['CLEARED', 'DENIED'].map((s) => stepKind(s as never))).toEqual(['CLEARANCE', 'CLEARANCE']);
    expect(stepKind('INSPECTED')).toBe('INSPECTION');
    expect(['AT_CROSSING', 'IN_TRANSIT', 'DELIVERED', 'INTERCEPTED', 'RETURNED'].every((s) => stepKind(s as never) === 'MOVEMENT')).toBe(true);
  });
});

describe('incident verification machine', () => {
  it('goes REPORTED → UNDER_REVIEW → one final finding', () => {
    expect(VERIFICATION_TRANSITIONS.REPORTED).toEqual(['UNDER_REVIEW']);
    expect(VERIFICATION_TRANSITIONS.UNDER_REVIEW).toEqual(['VERIFIED', 'FALSE', 'INCONCLUSIVE']);
    expect([VERIFICATION_TRANSITIONS.VERIFIED, VERIFICATION_TRANSITIONS.FALSE, VERIFICATION_TRANSITIONS.INCONCLUSIVE]).toEqual([[], [], []]);
    expect(currentVerificationState([])).toBe('REPORTED');
    expect(currentVerificationState([{ state: 'UNDER_REVIEW' }, { state: 'FALSE' }])).toBe('FALSE');
  });

  it('explains every move it does not allow, REPORTED included', () => {
    const STATES = Object.keys(VERIFICATION_TRANSITIONS) as (keyof typeof VERIFICATION_TRANSITIONS)[];
    const legal = STATES.flatMap((from) => STATES.filter((to) => verificationRefusal(from, to) === null).map((to) => `${from}>${to}`));
    expect(legal).toEqual(['REPORTED>UNDER_REVIEW', 'UNDER_REVIEW>VERIFIED', 'UNDER_REVIEW>FALSE', 'UNDER_REVIEW>INCONCLUSIVE']);
    expect(verificationRefusal('REPORTED', 'VERIFIED')).toBe('From REPORTED it may move to UNDER_REVIEW.');
    expect(verificationRefusal('UNDER_REVIEW', 'REPORTED')).toBe('REPORTED is where every report starts, not a step to record. From UNDER_REVIEW it may move to VERIFIED, FALSE or INCONCLUSIVE.');
    expect(verificationRefusal('FALSE', 'VERIFIED')).toBe('FALSE is a final finding; no further step can follow it.');
  });

  it('keeps attribution, severity and confidence to the findings they belong to', () => {
    const problems = (draft: Parameters<typeof checkVerification>[1]) => {
      const p = new Problems();
      checkVerification(p, draft);
      try {
        p.throwIfAny();
        return [];
      } catch (e) {
        return (e as { problems: { path: string }[] }).problems.map((x) => x.path);
      }
    };
    expect(problems({ state: 'VERIFIED', confidence: 'HIGH', findings: 'seen', attributedPartyId: 'p', severity: 'MINOR' })).toEqual([]);
    expect(problems({ state: 'INCONCLUSIVE', confidence: 'LOW', findings: 'unclear', attributedPartyId: 'p' })).toEqual(['input.attributedPartyId']);
    expect(problems({ state: 'UNDER_REVIEW', confidence: 'LOW', severity: 'MATERIAL' })).toEqual(['input.confidence', 'input.severity']);
    expect(problems({ state: 'FALSE' })).toEqual(['input.confidence', 'input.findings']);
  });
});

describe('corridor status per day', () => {
  const day = d('2026-03-10T00:00:00Z');
  const closure = (from: string, to: string) => ({ startsAt: d(from), endsAt: d(to) });
  it('is OPEN without closures touching the day', () => {
    expect(dayStatus([closure('2026-03-09T00:00:00Z', '2026-03-10T00:00:00Z')], day)).toBe('OPEN');
  });
  it('is CLOSED when closures together cover the whole day, RESTRICTED when one leaves a hole', () => {
    expect(dayStatus([closure('2026-03-10T12:00:00Z', '2026-03-11T00:00:00Z'), closure('2026-03-09T20:00:00Z', '2026-03-10T12:00:00Z')], day)).toBe('CLOSED');
    expect(dayStatus([closure('2026-03-10T12:00:01Z', '2026-03-11T00:00:00Z'), closure('2026-03-09T20:00:00Z', '2026-03-10T12:00:00Z')], day)).toBe('RESTRICTED');
    expect(dayStatus([closure('2026-03-10T23:00:00Z', '2026-03-12T00:00:00Z')], d('2026-03-10T05:00:00Z'))).toBe('RESTRICTED');
  });
  it('lists UTC days inclusively', () => {
    expect(daysBetween(d('2026-03-10T23:00:00Z'), d('2026-03-12T00:00:00Z')).map(isoDate)).toEqual(['2026-03-10', '2026-03-11', '2026-03-12']);
  });
});

describe('position batches', () => {
  const now = d('2026-03-20T10:00:00Z');
  const convoy = '11111111-1111-4111-8111-111111111111';
  const point = (over: Record<string, unknown> = {}) => ({ convoyId: convoy, deviceId: 'T1', sequence: 1, deviceTime: d('2026-03-20T09:00:00Z'), latitude: 10, longitude: 10, ...over });
  const owners = new Map([[convoy, 'Agency A']]);
  it('accepts device times up to 5 minutes ahead of the clock, and not beyond', () => {
    const r = classifyPoints([point({ deviceTime: d('2026-03-20T10:05:00Z') }), point({ deviceTime: d('2026-03-20T10:05:00.001Z') })], owners, 'Agency A', now);
    expect(r.valid).toEqual([0]);
    expect(r.rejected[0]!.reasons).toEqual(['DEVICE_TIME_IN_FUTURE']);
  });
  it('accepts the edges of the map and refuses beyond them', () => {
    const r = classifyPoints([point({ latitude: -90, longitude: 180 }), point({ latitude: 90.0001 }), point({ longitude: -180.0001 })], owners, 'Agency A', now);
    expect(r.valid).toEqual([0]);
    expect(r.rejected.map((x) => x.index)).toEqual([1, 2]);
  });
  it('refuses points of other agencies’ convoys and of callers without an agency', () => {
    expect(classifyPoints([point()], owners, 'Agency B', now).rejected[0]!.reasons).toEqual(['NOT_YOUR_CONVOY']);
    expect(classifyPoints([point()], owners, null, now).rejected[0]!.reasons).toEqual(['NOT_YOUR_CONVOY']);
    expect(classifyPoints([point({ convoyId: convoy.toUpperCase() })], owners, 'Agency A', now).valid).toEqual([0]);
  });
  it('identifies a point by convoy, device and sequence, the convoy id in any case', () => {
    const other = '22222222-2222-4222-8222-222222222222';
    expect(positionKey(point({ convoyId: convoy.toUpperCase() }))).toBe(positionKey(point()));
    expect(positionKey(point({ convoyId: other }))).not.toBe(positionKey(point()));
    expect(positionKey(point({ deviceId: 't1' }))).not.toBe(positionKey(point()));
    // No separator in a device id can make two different points look alike.
    expect(positionKey(point({ deviceId: 'T1","sequence', sequence: 1 }))).not.toBe(positionKey(point({ deviceId: 'T1', sequence: 1 })));
  });
  it('offers the first valid point of each identity for storage and maps every repeat to it', () => {
    const points = [point(), point({ sequence: 2 }), point({ latitude: 11 }), point({ convoyId: convoy.toUpperCase() }), point({ sequence: 2 }), point({ deviceId: 'T2' })];
    const r = firstOfEach(points, [1, 2, 3, 4, 5]);
    expect(r.first).toEqual([1, 2, 5]);
    expect([...r.repeatOf]).toEqual([
      [3, 2],
      [4, 1],
    ]);
  });
  it('names the fields on which a resend disagrees with the point on record', () => {
    const onRecord = { deviceTime: d('2026-03-20T09:00:00Z'), latitude: 10, longitude: 10 };
    expect(differences(onRecord, { ...onRecord, deviceTime: d('2026-03-20T09:00:00Z') })).toEqual([]);
    expect(differences(onRecord, { ...onRecord, deviceTime: d('2026-03-20T09:00:00.001Z') })).toEqual(['DEVICE_TIME']);
    expect(differences(onRecord, { deviceTime: onRecord.deviceTime, latitude: 10.000001, longitude: 9 })).toEqual(['LATITUDE', 'LONGITUDE']);
  });
});

describe('metrics', () => {
  const eif = d('2026-03-01T00:00:00Z');
  it('counts quiet hours from the later of entry into force and the last violation', () => {
    expect(quietHours(eif, null, d('2026-03-04T00:00:00Z'))).toBe(72);
    expect(quietHours(eif, d('2026-02-20T00:00:00Z'), d('2026-03-02T00:00:00Z'))).toBe(24);
    expect(quietHours(eif, d('2026-03-03T12:00:00Z'), d('2026-03-04T00:00:00Z'))).toBe(12);
    expect(quietHours(eif, null, d('2026-02-28T00:00:00Z'))).toBe(0);
  });
  it('encodes windows as loader keys with open bounds as infinity', () => {
    expect(parseWindowKey(windowKey('id', { from: null, until: eif }, 'MATERIAL'))).toEqual({ id: 'id', from: '-infinity', until: eif.toISOString(), extra: 'MATERIAL' });
  });
});

describe('telemetry gaps', () => {
  const event = (toStatus: string, at: string) => ({ toStatus: toStatus as never, at: d(at) });
  const walk = [event('REQUESTED', '2026-03-20T05:00:00Z'), event('CLEARED', '2026-03-20T06:00:00Z'), event('AT_CROSSING', '2026-03-20T07:00:00Z'), event('INSPECTED', '2026-03-20T08:00:00Z'), event('IN_TRANSIT', '2026-03-20T08:30:00Z')];

  it('spans a convoy’s movement from its arrival at the crossing to its end state, or to now while it moves', () => {
    expect(movementOf(walk.slice(0, 2))).toBeNull();
    expect(movementOf([...walk.slice(0, 1), event('DENIED', '2026-03-20T06:00:00Z')])).toBeNull();
    expect(movementOf(walk.slice(0, 3))).toEqual({ from: d('2026-03-20T07:00:00Z'), until: null });
    expect(movementOf(walk)).toEqual({ from: d('2026-03-20T07:00:00Z'), until: null });
    for (const end of ['DELIVERED', 'INTERCEPTED', 'RETURNED']) {
      expect(movementOf([...walk, event(end, '2026-03-20T11:00:00Z')])).toEqual({ from: d('2026-03-20T07:00:00Z'), until: d('2026-03-20T11:00:00Z') });
    }
    expect(movementOf([...walk.slice(0, 4), event('RETURNED', '2026-03-20T09:00:00Z')])).toEqual({ from: d('2026-03-20T07:00:00Z'), until: d('2026-03-20T09:00:00Z') });
    // Entered straight IN_TRANSIT (no crossing on record): the movement starts there.
    expect(movementOf([...walk.slice(0, 2), event('IN_TRANSIT', '2026-03-20T07:30:00Z')])).toEqual({ from: d('2026-03-20T07:30:00Z'), until: null });
  });

  const moving = { from: d('2026-03-20T07:00:00Z'), until: null };
  const ended = { from: d('2026-03-20T07:00:00Z'), until: d('2026-03-20T12:00:00Z') };
  const base = { now: d('2026-03-20T12:30:00Z'), thresholdMinutes: 30, first: null, last: null, between: [] };

  it('flags the silence before the first position, between positions and after the last, longer than the threshold', () => {
    const track = { first: d('2026-03-20T07:45:00Z'), last: d('2026-03-20T11:00:00Z'), between: [[d('2026-03-20T08:00:00Z'), d('2026-03-20T08:30:00Z')], [d('2026-03-20T09:00:00Z'), d('2026-03-20T10:00:00Z')]] as [Date, Date][] };
    expect(telemetryGaps({ ...base, ...track, movement: ended })).toEqual([
      { from: d('2026-03-20T07:00:00Z'), to: d('2026-03-20T07:45:00Z'), minutes: 45, ongoing: false, kind: 'BEFORE_FIRST_POSITION' },
      { from: d('2026-03-20T09:00:00Z'), to: d('2026-03-20T10:00:00Z'), minutes: 60, ongoing: false, kind: 'BETWEEN_POSITIONS' },
      { from: d('2026-03-20T11:00:00Z'), to: d('2026-03-20T12:00:00Z'), minutes: 60, ongoing: false, kind: 'AFTER_LAST_POSITION' },
    ]);
    // Still moving: the last silence runs to now and is ongoing.
    expect(telemetryGaps({ ...base, ...track, movement: moving }).at(-1)).toEqual({ from: d('2026-03-20T11:00:00Z'), to: null, minutes: 90, ongoing: true, kind: 'AFTER_LAST_POSITION' });
  });

  it('is one gap over the whole movement when no position came, ongoing while the convoy moves', () => {
    expect(telemetryGaps({ ...base, movement: ended })).toEqual([{ from: d('2026-03-20T07:00:00Z'), to: d('2026-03-20T12:00:00Z'), minutes: 300, ongoing: false, kind: 'NO_POSITION' }]);
    expect(telemetryGaps({ ...base, movement: moving })).toEqual([{ from: d('2026-03-20T07:00:00Z'), to: null, minutes: 330, ongoing: true, kind: 'NO_POSITION' }]);
    expect(telemetryGaps({ ...base, movement: { from: d('2026-03-20T12:00:00Z'), until: null } })).toEqual([]);
  });

  it('flags only silences longer than the threshold, to the second', () => {
    const movement = { from: d('2026-03-20T09:00:00Z'), until: null };
    const point = { first: d('2026-03-20T09:30:00Z'), last: d('2026-03-20T09:30:00Z') };
    expect(telemetryGaps({ ...base, ...point, movement, now: d('2026-03-20T10:00:00Z') })).toEqual([]);
    expect(telemetryGaps({ ...base, ...point, movement, now: d('2026-03-20T10:00:01Z') })).toEqual([
      { from: d('2026-03-20T09:30:00Z'), to: null, minutes: 30.02, ongoing: true, kind: 'AFTER_LAST_POSITION' },
    ]);
    expect(telemetryGaps({ ...base, ...point, movement, between: [[d('2026-03-20T09:00:00Z'), d('2026-03-20T09:30:00Z')]], now: d('2026-03-20T09:31:00Z') })).toEqual([]);
    // A device clock a little ahead of the service's is no silence.
    expect(telemetryGaps({ ...base, first: d('2026-03-20T09:02:00Z'), last: d('2026-03-20T10:03:00Z'), movement, now: d('2026-03-20T10:00:00Z'), between: [[d('2026-03-20T09:02:00Z'), d('2026-03-20T10:03:00Z')]] })).toEqual([
      { from: d('2026-03-20T09:02:00Z'), to: d('2026-03-20T10:03:00Z'), minutes: 61, ongoing: false, kind: 'BETWEEN_POSITIONS' },
    ]);
  });
});

describe('cargo lines', () => {
  it('allows 0 tonnes (people), up to 40 t a truck, to the kilogram', () => {
    const p = new Problems();
    checkCargoLines(p, [
      { cargoClass: 'MEDICAL_EVACUATION', tonnes: 0, trucks: 3 },
      { cargoClass: 'HUMANITARIAN_AID', tonnes: 80, trucks: 2 },
      { cargoClass: 'FUEL', tonnes: 12.345, trucks: 1 },
    ]);
    expect(p.any).toBe(false);
    checkCargoLines(p, [{ cargoClass: 'FUEL', tonnes: 80.001, trucks: 2 }]);
    expect(p.any).toBe(true);
  });
});

describe('what a corridor may carry today', () => {
  const phase1 = ['MEDICAL_EVACUATION', 'HUMANITARIAN_AID'] as const;
  const allClasses = ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION', 'COMMERCIAL', 'FUEL', 'CIVILIAN_MOVEMENT'] as const;
  const accord = { title: 'Accord', permittedCargo: [...phase1] };
  const crossing = { name: 'Sorrel crossing', handles: [...allClasses] };

  it('is what the agreement permits today that the corridor handles, in schema order', () => {
    expect(mayCarry(phase1, allClasses)).toEqual(['HUMANITARIAN_AID', 'MEDICAL_EVACUATION']);
    expect(mayCarry(allClasses, ['FUEL', 'HUMANITARIAN_AID'])).toEqual(['HUMANITARIAN_AID', 'FUEL']);
    expect(mayCarry([], allClasses)).toEqual([]);
  });

  it('lets permitted and handled cargo pass', () => {
    expect(cargoRefusal([{ cargoClass: 'HUMANITARIAN_AID' }], accord, crossing)).toBeNull();
  });

  it('refuses cargo the phase does not permit (under snap-back, Phase 1 cargo), naming what may pass', () => {
    const r = cargoRefusal([{ cargoClass: 'HUMANITARIAN_AID' }, { cargoClass: 'FUEL' }], accord, crossing);
    expect(r!.message).toBe(
      'FUEL is not permitted by the current phase of "Accord", which permits MEDICAL_EVACUATION, HUMANITARIAN_AID today. ' +
        'Allowed through Sorrel crossing today: HUMANITARIAN_AID, MEDICAL_EVACUATION. Remove the other lines or use another corridor.',
    );
    expect(r!.details).toEqual({
      refused: ['FUEL'],
      permittedToday: ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION'],
      phasePermits: [...phase1],
      corridorHandles: [...allClasses],
    });
  });

  it('names a class refused by both the phase and the corridor once, as not permitted', () => {
    const lane = { name: 'Sea lane', handles: ['HUMANITARIAN_AID' as const] };
    const r = cargoRefusal([{ cargoClass: 'FUEL' }, { cargoClass: 'MEDICAL_EVACUATION' }], accord, lane);
    expect(r!.details.refused).toEqual(['FUEL', 'MEDICAL_EVACUATION']);
    expect(r!.message).toContain('FUEL is not permitted');
    expect(r!.message).toContain('Sea lane does not handle MEDICAL_EVACUATION; it handles HUMANITARIAN_AID.');
  });

  it('says so when no phase is running and nothing may pass', () => {
    const r = cargoRefusal([{ cargoClass: 'HUMANITARIAN_AID' }], { title: 'Accord', permittedCargo: [] }, crossing);
    expect(r!.message).toBe('"Accord" permits no cargo today (no phase is running), so HUMANITARIAN_AID cannot pass. Nothing may pass through Sorrel crossing today.');
    expect(r!.details.permittedToday).toEqual([]);
  });
});

describe('rejected items against the cargo still on the convoy', () => {
  const lines = [
    { cargoClass: 'HUMANITARIAN_AID', trucks: 6, tonnes: 120.5 },
    { cargoClass: 'MEDICAL_EVACUATION', trucks: 2, tonnes: 0 },
  ];
  const item = (cargoClass: string, trucks?: number | null, tonnes?: number | null) => ({ cargoClass, description: 'Pipes', reason: 'Dual use', trucks, tonnes });

  it('accepts up to all that is left, to the kilogram', () => {
    expect(remainingCargoProblems(lines, [], [item('HUMANITARIAN_AID', 6, 120.5)])).toEqual([]);
    expect(remainingCargoProblems(lines, [{ cargoClass: 'HUMANITARIAN_AID', trucks: 2, tonnes: 40.1 }], [item('HUMANITARIAN_AID', 4, 80.4)])).toEqual([]);
    expect(remainingCargoProblems(lines, [], [item('HUMANITARIAN_AID')])).toEqual([]);
  });

  it('refuses a class the convoy does not carry, naming what it carries', () => {
    expect(remainingCargoProblems(lines, [], [item('FUEL', 1, 1)])).toEqual([
      { path: 'input.rejectedItems[0].cargoClass', message: 'The convoy carries no FUEL; it carries HUMANITARIAN_AID, MEDICAL_EVACUATION.' },
    ]);
  });

  it('counts what earlier inspections turned back, and earlier items of the same inspection', () => {
    const earlier = [{ cargoClass: 'HUMANITARIAN_AID', trucks: 5, tonnes: 100 }];
    expect(remainingCargoProblems(lines, earlier, [item('HUMANITARIAN_AID', 2, 20.501)])).toEqual([
      { path: 'input.rejectedItems[0].trucks', message: 'More trucks of HUMANITARIAN_AID turned back than the convoy still carries; check the figures.' },
      { path: 'input.rejectedItems[0].tonnes', message: 'More tonnes of HUMANITARIAN_AID turned back than the convoy still carries; check the figures.' },
    ]);
    expect(remainingCargoProblems(lines, [], [item('MEDICAL_EVACUATION', 2, 0), item('MEDICAL_EVACUATION', 1, 0)])).toEqual([
      { path: 'input.rejectedItems[1].trucks', message: 'More trucks of MEDICAL_EVACUATION turned back than the convoy still carries; check the figures.' },
    ]);
  });
});

describe('incidents and entry into force', () => {
  const paths = (occurredAt: string, now = '2026-03-20T10:00:00Z') => {
    const p = new Problems();
    checkInForce(p, d(occurredAt), { title: 'Sorrel Accord', entryIntoForceAt: '2026-03-01T00:00:00.000Z' }, d(now));
    try {
      p.throwIfAny();
      return [];
    } catch (e) {
      return (e as { problems: { path: string; message: string }[] }).problems;
    }
  };
  it('accepts an incident from the moment of entry into force, and refuses one before it, saying when that was', () => {
    expect(paths('2026-03-01T00:00:00Z')).toEqual([]);
    expect(paths('2026-02-28T23:59:59.999Z')).toEqual([
      {
        path: 'input.occurredAt',
        message:
          'occurredAt 2026-02-28T23:59:59.999Z is before "Sorrel Accord" entered into force (2026-03-01T00:00:00.000Z); incidents are monitored under an agreement only from its entry into force. Check the date and time (UTC) and the agreement concerned.',
      },
    ]);
    expect(paths('2026-02-27T10:00:00Z', '2026-02-28T00:00:00Z')[0]!.message).toMatch(/^occurredAt 2026-02-27T10:00:00.000Z is before "Sorrel Accord" enters into force \(2026-03-01T00:00:00.000Z\)/);
  });
});
