import type { DemoContext } from './demo.js';

/**
 * The corridors part of the demo: two crossings, a closure on each, twenty convoys across the status
 * machine (most delivered inside the Day-30 window, so the aid milestone's trucksDelivered means
 * something), joint inspections, a stream of positions with one telemetry gap, localised windows (a repair
 * of the water main along the Sorrel access road, open now, and an evacuation closed early), and
 * incidents in every verification state, one of them a verified material violation attributed four days
 * ago and one a verified minor violation inside the repair window.
 *
 * Everything before today is entered with its real time (requestedAt, at, startedAt, deviceTime), since
 * the agencies record field events after the fact; nothing is dated today, because the demo may run just
 * after midnight.
 */
export async function loadCorridorsDemo(ctx: DemoContext): Promise<void> {
  const mediator = ctx.as({ agency: 'Office of the Special Envoy for Veltria', roles: ['MEDIATOR'] });
  const monitor = ctx.as({ agency: 'Joint Monitoring Cell', roles: ['MONITOR'] });
  const relief = ctx.as({ agency: 'Veltria Relief Consortium', roles: ['AGENCY'] });
  const medics = ctx.as({ agency: 'Ridgeway Medical Relief', roles: ['AGENCY'] });
  const governmentDelegation = ctx.as({ agency: 'Delegation of the Republic of Veltria', roles: ['PARTY'], partyId: ctx.partyIds.government });
  const movementDelegation = ctx.as({ agency: 'Delegation of the Northern Ridge Alliance', roles: ['PARTY'], partyId: ctx.partyIds.movement });
  type Client = typeof relief;

  ctx.progress('corridors and closures');
  const corridor = async (input: Record<string, unknown>): Promise<string> =>
    (await mediator<{ createCorridor: { id: string } }>(`mutation ($input: CreateCorridorInput!) { createCorridor(input: $input) { id } }`, { input: { agreementId: ctx.agreementId, ...input } }))
      .createCorridor.id;
  const sorrel = await corridor({ name: 'Sorrel crossing', kind: 'LAND_CROSSING', latitude: 41.6213, longitude: 22.4718, telemetryGapMinutes: 30 });
  const amsel = await corridor({
    name: 'Port Amsel sea lane',
    kind: 'SEA_CORRIDOR',
    latitude: 41.1032,
    longitude: 23.0345,
    handles: ['HUMANITARIAN_AID', 'COMMERCIAL', 'FUEL'],
    telemetryGapMinutes: 240,
  });
  const closure = `mutation ($input: RecordCorridorClosureInput!) { recordCorridorClosure(input: $input) { id } }`;
  await monitor(closure, { input: { corridorId: sorrel, startsAt: ctx.at(15, 18), endsAt: ctx.at(16, 6), cause: 'SECURITY', note: 'Shelling reported 2 km east of the access road' } });
  await mediator(closure, { input: { corridorId: amsel, startsAt: ctx.at(20, 0), endsAt: ctx.at(21, 0), cause: 'WEATHER', note: 'Gale warning; harbour master closed the port' } });

  ctx.progress('convoys');
  const team = ['Joint Monitoring Cell', 'Veltria Customs Authority', 'Northern Ridge Liaison Office'];
  const request = async (who: Client, corridorId: string, day: number, cargo: Record<string, unknown>[], extra: Record<string, unknown> = {}): Promise<string> =>
    (
      await who<{ requestConvoy: { id: string } }>(`mutation ($input: RequestConvoyInput!) { requestConvoy(input: $input) { id } }`, {
        input: { corridorId, cargo, requestedAt: ctx.at(day - 1, 16), ...extra },
      })
    ).requestConvoy.id;
  const advance = (who: Client, convoyId: string, to: string, at: string, note?: string) =>
    who(`mutation ($input: AdvanceConvoyInput!) { advanceConvoy(input: $input) { id } }`, { input: { convoyId, to, at, note } });
  const inspect = (convoyId: string, input: Record<string, unknown>) =>
    monitor(`mutation ($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`, { input: { convoyId, team, ...input } });

  /** Takes a convoy requested the evening before `day` as far as `until`, through the day's steps. */
  const run = async (who: Client, convoyId: string, day: number, until: string, inspection: Record<string, unknown> = {}) => {
    const steps = ['CLEARED', 'AT_CROSSING', 'INSPECTED', 'IN_TRANSIT', 'DELIVERED'];
    for (const step of steps.slice(0, steps.indexOf(until) + 1)) {
      if (step === 'CLEARED') await advance(monitor, convoyId, 'CLEARED', ctx.at(day - 1, 18), 'Clearance certificate issued');
      if (step === 'AT_CROSSING') await advance(who, convoyId, 'AT_CROSSING', ctx.at(day, 6));
      if (step === 'INSPECTED') await inspect(convoyId, { kind: 'PRIMARY', startedAt: ctx.at(day, 6.5), endedAt: ctx.at(day, 8), result: 'PASSED', ...inspection });
      if (step === 'IN_TRANSIT') await advance(who, convoyId, 'IN_TRANSIT', ctx.at(day, 8.5));
      if (step === 'DELIVERED') await advance(who, convoyId, 'DELIVERED', ctx.at(day, 14), 'Offloaded at the distribution hub');
    }
  };

  const aid = (trucks: number) => [{ cargoClass: 'HUMANITARIAN_AID', tonnes: trucks * 18.5, trucks }];
  const medical = [{ cargoClass: 'MEDICAL_EVACUATION', tonnes: 0, trucks: 3 }];

  // Eleven deliveries between Day 9 and Day 23, inside the Day-30 window.
  const delivered: string[] = [];
  for (const [day, trucks, corridorId] of [
    [9, 6, sorrel],
    [10, 5, sorrel],
    [11, 6, amsel],
    [12, 4, sorrel],
    [13, 6, sorrel],
    [14, 8, amsel],
    [17, 5, sorrel],
    [18, 6, sorrel],
    [19, 7, amsel],
    [22, 6, sorrel],
  ] as const) {
    const id = await request(relief, corridorId, day, aid(trucks));
    await run(relief, id, day, 'DELIVERED');
    delivered.push(id);
  }
  const evacuation = await request(medics, sorrel, 21, medical, { note: 'Evacuation of twelve patients to Ridgeway General' });
  await run(medics, evacuation, 21, 'DELIVERED');

  // A partial inspection: one truck of pipes turned back, then a secondary check of the rest.
  const partial = await request(relief, sorrel, 16, aid(6));
  await run(relief, partial, 16, 'INSPECTED', {
    endedAt: ctx.at(16, 9),
    result: 'PARTIAL',
    rejectedItems: [{ cargoClass: 'HUMANITARIAN_AID', description: 'Steel water pipes', reason: 'On the dual-use list; needs a separate permit', trucks: 1, tonnes: 18.5 }],
  });
  await inspect(partial, { kind: 'SECONDARY', startedAt: ctx.at(16, 9.5), endedAt: ctx.at(16, 10), result: 'PASSED', notes: 'Remaining five trucks resealed' });
  await advance(relief, partial, 'IN_TRANSIT', ctx.at(16, 10.5));
  await advance(relief, partial, 'DELIVERED', ctx.at(16, 15));

  // Convoys still on their way, waiting, or stopped.
  const moving: string[] = [];
  for (const until of ['IN_TRANSIT', 'IN_TRANSIT', 'INSPECTED', 'AT_CROSSING']) {
    const id = await request(relief, amsel, 23, aid(5));
    await run(relief, id, 23, until);
    moving.push(id);
  }
  await request(relief, sorrel, 24, aid(6), { requestedAt: ctx.at(23, 17), note: 'Winter kits for the northern camps' });
  const onBehalf = await request(mediator, sorrel, 24, medical, { requestedAt: ctx.at(23, 18), onBehalfOf: 'Ridgeway Medical Relief' });
  await advance(mediator, onBehalf, 'CLEARED', ctx.at(23, 19));
  const denied = await request(relief, sorrel, 8, aid(4));
  await advance(mediator, denied, 'DENIED', ctx.at(7, 20), 'Route through the eastern ridge not guaranteed by both parties');
  const rejected = await request(medics, sorrel, 19, medical);
  await run(medics, rejected, 19, 'INSPECTED', {
    result: 'REJECTED',
    rejectedItems: [{ cargoClass: 'MEDICAL_EVACUATION', description: 'Two of three ambulances', reason: 'Vehicles not on the notified list', trucks: 2 }],
  });
  await advance(medics, rejected, 'RETURNED', ctx.at(19, 9));
  const intercepted = await request(relief, sorrel, 20, aid(5));
  await run(relief, intercepted, 20, 'IN_TRANSIT');
  await advance(relief, intercepted, 'INTERCEPTED', ctx.at(20, 11), 'Stopped at an unofficial checkpoint at km 14; cargo taken');

  ctx.progress('positions');
  // Every convoy that moved carries a tracker from its arrival at the crossing to its end state (or to
  // now), a point every 10 minutes on Sorrel (gap limit 30) and every hour on Port Amsel (limit 240),
  // so that the one telemetry gap on record is the Day-22 delivery's: its tracker reports every two
  // minutes from 06:00 to 14:00 but is silent from 11:00 to 11:50, over Sorrel's 30 minutes.
  // An agency reports only its own convoys' positions: the points are sent by the agency that runs each.
  const batches = new Map<Client, Record<string, unknown>[]>([
    [relief, []],
    [medics, []],
  ]);
  const track = (who: Client, convoyId: string, device: string, from: number, to: number, stepMinutes: number, silent?: [number, number]) => {
    const points = batches.get(who)!;
    let sequence = 0;
    for (let t = from; t <= to; t += stepMinutes * 60_000) {
      if (silent && t > silent[0] && t < silent[1]) continue;
      const k = points.length;
      points.push({ convoyId, deviceId: device, sequence: sequence++, deviceTime: new Date(t).toISOString(), latitude: 41.6213 - (k % 90) * 0.0004, longitude: 22.4718 + (k % 90) * 0.0006 });
    }
  };
  const dayHour = (day: number, hour: number) => Date.parse(ctx.at(day, hour));
  const deliveries = [9, 10, 11, 12, 13, 14, 17, 18, 19, 22] as const;
  const onAmsel = new Set([11, 14, 19]);
  delivered.forEach((convoyId, i) => {
    const day = deliveries[i]!;
    if (day === 22) track(relief, convoyId, 'VRC-TRK-0417', dayHour(22, 6), dayHour(22, 14), 2, [dayHour(22, 11), dayHour(22, 11 + 50 / 60)]);
    else track(relief, convoyId, `VRC-TRK-03${String(i).padStart(2, '0')}`, dayHour(day, 6), dayHour(day, 14), onAmsel.has(day) ? 60 : 10);
  });
  track(medics, evacuation, 'RMR-AMB-0012', dayHour(21, 6), dayHour(21, 14), 10);
  track(relief, partial, 'VRC-TRK-0290', dayHour(16, 6), dayHour(16, 15), 10);
  track(medics, rejected, 'RMR-AMB-0007', dayHour(19, 6), dayHour(19, 9), 10);
  track(relief, intercepted, 'VRC-TRK-0333', dayHour(20, 6), dayHour(20, 11), 10);
  // The convoys still on the Port Amsel lane report hourly since their arrival, and up to a minute ago.
  moving.forEach((convoyId, c) => track(relief, convoyId, `VRC-TRK-05${c}0`, dayHour(23, 6), ctx.now.getTime() - 60_000, 60));
  for (const [who, points] of batches) {
    for (let i = 0; i < points.length; i += 500) {
      await who(`mutation ($input: RecordConvoyPositionsInput!) { recordConvoyPositions(input: $input) { accepted } }`, { input: { points: points.slice(i, i + 500) } });
    }
  }

  ctx.progress('localised windows');
  // The water main runs beside the Sorrel access road, on which every tracked convoy above travels (from
  // the crossing, 41.6213 N 22.4718 E, south-east to 41.5857 N 22.5252 E): a strip about 100 m either side
  // of the road, from Day 21 to Day 27, for the Sorrel corridor's convoys. The Day-21 evacuation and the
  // Day-22 delivery pass through it while it is open, so their positions, and the Day-22 silence, are
  // flagged as inside it.
  const createWindow = async (input: Record<string, unknown>): Promise<string> =>
    (await mediator<{ createLocalisedWindow: { id: string } }>(`mutation ($input: CreateLocalisedWindowInput!) { createLocalisedWindow(input: $input) { id } }`, { input: { agreementId: ctx.agreementId, ...input } }))
      .createLocalisedWindow.id;
  await createWindow({
    corridorId: sorrel,
    purpose: 'REPAIR',
    description: 'Repair of the Sorrel water main along the crossing access road (km 0 to 6) by the Veltria Water Authority',
    from: ctx.at(21, 6),
    until: ctx.at(27, 18),
    area: {
      polygon: [
        { latitude: 41.6227, longitude: 22.4715 },
        { latitude: 41.621, longitude: 22.4704 },
        { latitude: 41.5843, longitude: 22.5255 },
        { latitude: 41.586, longitude: 22.5266 },
      ],
    },
  });
  // An evacuation of the Ridgeway field hospital, agreed for every corridor, finished ahead of time: the
  // monitoring cell closes its window now (CLOSED_EARLY).
  const evacuationWindow = await createWindow({
    purpose: 'EVACUATION',
    description: 'Evacuation of the Ridgeway field hospital by Ridgeway Medical Relief',
    from: ctx.at(23, 20),
    until: ctx.at(25, 20),
    area: { centre: { latitude: 41.6455, longitude: 22.4402 }, radiusMetres: 800 },
  });
  await monitor(`mutation ($input: CloseLocalisedWindowInput!) { closeLocalisedWindow(input: $input) { id } }`, {
    input: { windowId: evacuationWindow, reason: 'Evacuation completed: all patients moved to Ridgeway General' },
  });

  ctx.progress('incidents');
  const report = async (who: Client, input: Record<string, unknown>): Promise<string> =>
    (await who<{ reportIncident: { id: string } }>(`mutation ($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }`, { input })).reportIncident.id;
  const verify = (incidentId: string, input: Record<string, unknown>) =>
    monitor(`mutation ($input: VerifyIncidentInput!) { verifyIncident(input: $input) { id } }`, { input: { incidentId, ...input } });

  // VERIFIED MATERIAL, attributed: shelling near the Sorrel crossing four days ago.
  const shelling = await report(relief, {
    corridorId: sorrel,
    category: 'SHELLING',
    occurredAt: ctx.at(20, 5),
    latitude: 41.6302,
    longitude: 22.4891,
    placeDescription: 'Orchard road, 2 km east of the Sorrel crossing',
    severity: 'MATERIAL',
    description: 'Six mortar impacts within 400 m of the convoy staging area; no casualties.',
  });
  await verify(shelling, { state: 'UNDER_REVIEW' });
  await verify(shelling, {
    state: 'VERIFIED',
    confidence: 'HIGH',
    attributedPartyId: ctx.partyIds.movement,
    findings: 'Crater analysis indicates fire from positions held by the Northern Ridge Alliance; confirmed by two patrols.',
  });
  // VERIFIED MINOR: a checkpoint closed contrary to the agreement.
  const checkpoint = await report(movementDelegation, {
    agreementId: ctx.agreementId,
    category: 'MOVEMENT_RESTRICTION',
    occurredAt: ctx.at(12, 10),
    latitude: 41.5877,
    longitude: 22.5102,
    placeDescription: 'Checkpoint 7 on the Ridgeway road',
    severity: 'MINOR',
    description: 'Civilians turned back for four hours without explanation.',
  });
  await verify(checkpoint, { state: 'UNDER_REVIEW' });
  await verify(checkpoint, { state: 'VERIFIED', confidence: 'MEDIUM', attributedPartyId: ctx.partyIds.government, findings: 'Checkpoint log and interviews with three drivers.' });
  // FALSE: a reported violation the monitors found did not happen as reported.
  const claimed = await report(governmentDelegation, {
    agreementId: ctx.agreementId,
    category: 'CEASEFIRE_VIOLATION',
    occurredAt: ctx.at(17, 22),
    latitude: 41.7012,
    longitude: 22.3955,
    placeDescription: 'Hill 412, northern line of contact',
    severity: 'MATERIAL',
    description: 'Movement of armoured vehicles across the line of contact.',
  });
  await verify(claimed, { state: 'UNDER_REVIEW' });
  await verify(claimed, { state: 'FALSE', confidence: 'MEDIUM', findings: 'Drone imagery shows a scheduled withdrawal, notified to the joint commission in advance.' });
  // INCONCLUSIVE: an obstruction of the intercepted convoy.
  const obstruction = await report(relief, {
    convoyId: intercepted,
    category: 'CONVOY_OBSTRUCTION',
    occurredAt: ctx.at(20, 10.5),
    latitude: 41.6101,
    longitude: 22.5342,
    placeDescription: 'Unofficial checkpoint at km 14 beyond the Sorrel crossing',
    severity: 'MATERIAL',
    description: 'Armed men stopped the convoy and took five trucks of flour.',
  });
  await verify(obstruction, { state: 'UNDER_REVIEW' });
  await verify(obstruction, { state: 'INCONCLUSIVE', confidence: 'LOW', findings: 'The men wore no insignia; no party could be identified.' });
  // VERIFIED MINOR inside the repair window: flagged as such, and counted like any other violation.
  const repairCrew = await report(governmentDelegation, {
    corridorId: sorrel,
    category: 'SMALL_ARMS_FIRE',
    occurredAt: ctx.at(23, 10),
    latitude: 41.6053,
    longitude: 22.4958,
    placeDescription: 'Valve chamber at km 3 of the Sorrel access road',
    severity: 'MINOR',
    description: 'Warning shots fired over the water authority crew working on the main; work stopped for two hours.',
  });
  await verify(repairCrew, { state: 'UNDER_REVIEW' });
  await verify(repairCrew, {
    state: 'VERIFIED',
    confidence: 'MEDIUM',
    attributedPartyId: ctx.partyIds.movement,
    findings: 'Crew statements and a patrol report place the shooters at an observation post of the Northern Ridge Alliance.',
  });
  // UNDER_REVIEW and REPORTED.
  const gunfire = await report(medics, {
    agreementId: ctx.agreementId,
    category: 'SMALL_ARMS_FIRE',
    occurredAt: ctx.at(22, 23),
    latitude: 41.6455,
    longitude: 22.4402,
    placeDescription: 'Outskirts of Ridgeway, near the field hospital',
    severity: 'MINOR',
    description: 'Bursts of gunfire heard for ten minutes; no impacts seen.',
  });
  await verify(gunfire, { state: 'UNDER_REVIEW' });
  await report(relief, {
    corridorId: amsel,
    category: 'MOVEMENT_RESTRICTION',
    occurredAt: ctx.at(23, 15),
    latitude: 41.1032,
    longitude: 23.0345,
    placeDescription: 'Port Amsel, berth 3',
    severity: 'MINOR',
    description: 'Offloading held up for three hours pending a second document check.',
  });
}
