import type { DemoContext } from './demo.js';

type Category = 'CHILD' | 'WOMAN' | 'MEDICAL' | 'ELDERLY' | 'OTHER' | 'REMAINS';

interface Person {
  key: string;
  name: string;
  born: string;
  category: Category;
  medicalNotes?: string;
}

/** The remains of a deceased person, to be repatriated: the name as the holding party reports it, the date of birth if known. */
interface Deceased {
  key: string;
  name: string;
  born?: string;
}

/**
 * The prisoners part of the demo, through the gateway with the roles a real exchange uses: the
 * intermediary registers detainees and records proofs of life; the mediator records both parties'
 * lists (handed over on Day 6), sets the list timetable and plans, fills and seals the waves; each party
 * contests names on the other side's list; the intermediary confirms each handover after a private
 * interview. The result: lists with contested entries (two still unresolved, so overdue), a completed
 * first wave of women and children for the first-release milestone (one detainee refused to return), and
 * a planned wave of medical cases. The first wave also repatriates remains under its REMAINS term: the
 * intermediary's forensic partners identify each set (by DNA, dental records, personal effects) before
 * the intermediary confirms its handover, and the remains are counted apart (remainsRepatriated: 3),
 * never as detainees released (still 7); one more set, not yet identified, is still held. All people and
 * places are invented.
 */
export async function loadPrisonersDemo(ctx: DemoContext): Promise<void> {
  const { government, movement } = ctx.partyIds;
  const mediator = ctx.as({ agency: 'Office of the Special Envoy for Veltria', roles: ['MEDIATOR'] });
  const intermediary = ctx.as({ agency: 'Impartial Committee for Detainee Welfare', roles: ['INTERMEDIARY'] });
  const governmentDelegation = ctx.as({ agency: 'Republic of Veltria, exchange delegation', roles: ['PARTY'], partyId: government });
  const movementDelegation = ctx.as({ agency: 'Northern Ridge Alliance, exchange delegation', roles: ['PARTY'], partyId: movement });
  const childBorn = `${ctx.now.getUTCFullYear() - 15}-04-11`;
  const youngerChildBorn = `${ctx.now.getUTCFullYear() - 13}-09-02`;

  // Held by the government; they belong to the movement.
  const heldByGovernment: Person[] = [
    { key: 'gw1', name: 'Maren Ostilka', born: '1991-02-14', category: 'WOMAN' },
    { key: 'gw2', name: 'Idrenne Volsk', born: '1987-07-30', category: 'WOMAN' },
    { key: 'gw3', name: 'Sabeth Karrow', born: '1995-11-05', category: 'WOMAN' },
    { key: 'gc1', name: 'Tobin Aslev', born: childBorn, category: 'CHILD' },
    { key: 'gc2', name: 'Lio Venkar', born: youngerChildBorn, category: 'CHILD' },
    { key: 'gc3', name: 'Perrin Duskell', born: childBorn, category: 'CHILD' },
    { key: 'gm1', name: 'Aurek Halven', born: '1979-03-22', category: 'MEDICAL', medicalNotes: 'Untreated fracture of the right femur; needs a stretcher and escort' },
    { key: 'gm2', name: 'Corin Tessaly', born: '1983-08-09', category: 'MEDICAL', medicalNotes: 'Insulin-dependent diabetes; supply running low' },
    { key: 'ge1', name: 'Oswin Marrick', born: '1954-12-01', category: 'ELDERLY' },
    { key: 'go1', name: 'Dario Fenwold', born: '1990-05-17', category: 'OTHER' },
    { key: 'go2', name: 'Hallam Prest', born: '1986-01-28', category: 'OTHER' },
  ];
  // Held by the movement; they belong to the government.
  const heldByMovement: Person[] = [
    { key: 'mw1', name: 'Elsa Varnholt', born: '1972-06-19', category: 'WOMAN' },
    { key: 'mc1', name: 'Nils Orrow', born: youngerChildBorn, category: 'CHILD' },
    { key: 'mm1', name: 'Teodor Kalvis', born: '1969-10-03', category: 'MEDICAL', medicalNotes: 'Shrapnel wound to the left shoulder, infected' },
    { key: 'me1', name: 'Gregor Almsby', born: '1951-02-07', category: 'ELDERLY' },
    { key: 'mo1', name: 'Jonas Pirrel', born: '1993-09-12', category: 'OTHER' },
  ];

  ctx.progress('detainees registered by the intermediary');
  const ids: Record<string, string> = {};
  const register = async (p: Person, holdingPartyId: string, affiliatedPartyId: string) => {
    const r = await intermediary(`mutation ($input: RegisterDetaineeInput!) { registerDetainee(input: $input) { id } }`, {
      input: {
        agreementId: ctx.agreementId,
        name: p.name,
        dateOfBirth: p.born,
        holdingPartyId,
        affiliatedPartyId,
        category: p.category,
        medicalNotes: p.medicalNotes ?? null,
      },
    });
    ids[p.key] = r.registerDetainee.id;
  };
  for (const p of heldByGovernment) await register(p, government, movement);
  for (const p of heldByMovement) await register(p, movement, government);

  // Remains: two members of the Alliance who died in government custody, and two government soldiers
  // whose remains the Alliance recovered near Sorrel (one of them not yet identified).
  const remainsHeldByGovernment: Deceased[] = [
    { key: 'gr1', name: 'Leontyn Sarvo', born: '1996-07-21' },
    { key: 'gr2', name: 'Ilka Brodny' },
  ];
  const remainsHeldByMovement: Deceased[] = [
    { key: 'mr1', name: 'Matthias Orlenko', born: '1988-03-14' },
    { key: 'mr2', name: 'Pieter Vasko' },
  ];
  ctx.progress('remains registered by the intermediary');
  const registerRemains = async (d: Deceased, holdingPartyId: string, affiliatedPartyId: string) => {
    const r = await intermediary(`mutation ($input: RegisterRemainsInput!) { registerRemains(input: $input) { id } }`, {
      input: { agreementId: ctx.agreementId, name: d.name, dateOfBirth: d.born ?? null, holdingPartyId, affiliatedPartyId },
    });
    ids[d.key] = r.registerRemains.id;
  };
  for (const d of remainsHeldByGovernment) await registerRemains(d, government, movement);
  for (const d of remainsHeldByMovement) await registerRemains(d, movement, government);

  ctx.progress('detainee lists handed over on Day 6');
  const entries: Record<string, string> = {};
  const submit = async (submittingPartyId: string, people: { key: string }[], submittedAt: string, note: string) => {
    const r = await mediator(
      `mutation ($input: SubmitDetaineeListInput!) { submitDetaineeList(input: $input) { entries { id detainee { id } } } }`,
      { input: { agreementId: ctx.agreementId, submittingPartyId, detaineeIds: people.map((p) => ids[p.key]), submittedAt, note } },
    );
    for (const e of r.submitDetaineeList.entries) entries[e.detainee.id] = e.id;
  };
  await submit(movement, heldByGovernment, ctx.at(6, 10), 'Members of the Alliance held by the government, handed to the mediator in Sorrel');
  await submit(government, heldByMovement, ctx.at(6, 15), 'Citizens held by the Alliance, handed to the mediator in Sorrel');
  // Each side lists the remains it holds; nobody contests them, so they are AGREED when comments close.
  await submit(government, remainsHeldByGovernment, ctx.at(6, 16), 'Remains of Alliance members held by the government');
  await submit(movement, remainsHeldByMovement, ctx.at(6, 16), 'Remains of government soldiers recovered by the Alliance near Sorrel');

  ctx.progress('contested list entries');
  const contest = (who: typeof mediator, key: string, reason: string, note: string) =>
    who(`mutation ($input: ContestListEntryInput!) { contestListEntry(input: $input) { id } }`, { input: { entryId: entries[ids[key]!], reason, note } });
  await contest(governmentDelegation, 'go2', 'NOT_HELD', 'Released on bail in January; not in government custody');
  await contest(movementDelegation, 'mo1', 'UNKNOWN_PERSON', 'No record of this person in any Alliance facility');
  await contest(movementDelegation, 'me1', 'DECEASED', 'Reported to have died of natural causes in February');
  await mediator(`mutation ($input: ResolveListEntryInput!) { resolveListEntry(input: $input) { id } }`, {
    input: { entryId: entries[ids.mo1!], outcome: 'AGREED', note: 'Confirmed held by the intermediary during its visit of Day 12' },
  });

  ctx.progress('list timetable: lists by Day 7, comments by Day 14');
  await mediator(`mutation ($input: SetListDeadlinesInput!) { setListDeadlines(input: $input) { overdue } }`, {
    input: { agreementId: ctx.agreementId, submissionDueAt: ctx.at(8, 0), commentDueAt: ctx.at(15, 0) },
  });

  ctx.progress('proofs of life');
  const proof = (key: string, observedAt: string, method: string, verifier: string) =>
    intermediary(`mutation ($input: RecordProofOfLifeInput!) { recordProofOfLife(input: $input) { id } }`, {
      input: { detaineeId: ids[key], method, observedAt, verifier },
    });
  for (const key of ['gw1', 'gw2', 'gw3', 'gc1', 'gc2', 'gc3']) await proof(key, ctx.at(14, 10), 'VISIT', 'Delegation Sorrel, detention centre visit');
  await proof('mw1', ctx.at(15, 16), 'VIDEO', 'Delegation North, verified video call');
  await proof('mc1', ctx.at(15, 16), 'VIDEO', 'Delegation North, verified video call');
  for (const key of ['gm1', 'gm2']) await proof(key, ctx.at(21, 11), 'VISIT', 'Delegation Sorrel, medical team');
  await proof('mm1', ctx.at(22, 9), 'LETTER', 'Delegation North, letter verified by handwriting');

  ctx.progress('identification of remains');
  const identify = (key: string, method: string, identifiedBy: string, identifiedAt: string, evidenceReference: string, findings: string) =>
    intermediary(`mutation ($input: RecordRemainsIdentificationInput!) { recordRemainsIdentification(input: $input) { id } }`, {
      input: { detaineeId: ids[key], method, identifiedBy, identifiedAt, evidenceReference, findings },
    });
  await identify('mr1', 'DNA', 'Veltria Institute of Forensic Medicine', ctx.at(17, 15), 'VIFM-2026-014', 'DNA profile matches reference samples from two siblings');
  await identify('gr1', 'DENTAL', 'Impartial Committee forensic unit, Sorrel', ctx.at(18, 10), 'ICDW-FOR-0031', 'Dental chart matches the record supplied by the family');
  await identify('gr2', 'PERSONAL_EFFECTS', 'Impartial Committee forensic unit, Sorrel', ctx.at(18, 14), 'ICDW-FOR-0032', 'Identity card and wedding ring recognised by her brother');

  ctx.progress('first exchange wave: women and children');
  const plan = async (sequence: number, scheduledAt: string, terms: { category: Category; counterpartPerDetainee: number; counterpart?: 'LIVING' | 'REMAINS' }[]) =>
    (
      await mediator(`mutation ($input: PlanExchangeWaveInput!) { planExchangeWave(input: $input) { id } }`, {
        input: { agreementId: ctx.agreementId, milestoneId: ctx.milestoneIds.firstRelease, sequence, scheduledAt, ratio: { basePartyId: movement, terms } },
      })
    ).planExchangeWave.id as string;
  const addToManifest = (waveId: string, keys: string[]) =>
    mediator(`mutation ($input: ManifestChangeInput!) { addToManifest(input: $input) { id } }`, { input: { waveId, detaineeIds: keys.map((k) => ids[k]) } });

  // For each woman or child the Alliance releases, the government releases three; for the remains of each
  // person the Alliance returns, the government returns the remains of two.
  const first = await plan(1, ctx.at(20, 8), [
    { category: 'WOMAN', counterpartPerDetainee: 3 },
    { category: 'CHILD', counterpartPerDetainee: 3 },
    { category: 'REMAINS', counterpartPerDetainee: 2, counterpart: 'REMAINS' },
  ]);
  await addToManifest(first, ['mc1', 'mw1', 'gc1', 'gc2', 'gc3', 'gw1', 'gw2', 'gw3']);
  await addToManifest(first, ['mr1', 'gr1', 'gr2']);
  await mediator(`mutation ($input: SealManifestInput!) { sealManifest(input: $input) { id } }`, { input: { waveId: first } });

  const handover = (key: string, hour: number, interview: 'CONSENTS' | 'REFUSES', notes: string) =>
    intermediary(`mutation ($input: ConfirmHandoverInput!) { confirmHandover(input: $input) { id } }`, {
      input: { waveId: first, detaineeId: ids[key], interview, medicalCheck: { fitToTravel: true, notes }, confirmedAt: ctx.at(20, hour) },
    });
  await handover('mc1', 9, 'CONSENTS', 'Well; reunited with family at the crossing');
  await handover('mw1', 9, 'CONSENTS', 'Mild dehydration, treated on site');
  await handover('gc1', 10, 'CONSENTS', 'Well');
  await handover('gc2', 10, 'CONSENTS', 'Well');
  await handover('gc3', 10, 'CONSENTS', 'Minor skin infection, treated');
  await handover('gw1', 11, 'CONSENTS', 'Well');
  await handover('gw2', 11, 'CONSENTS', 'Well');
  // In the private interview she asked not to be returned; the refusal is respected and recorded.
  await handover('gw3', 11, 'REFUSES', 'Well');
  // The remains cross after the living, each identified beforehand; there is no interview.
  const remainsHandover = (key: string, hour: number) =>
    intermediary(`mutation ($input: ConfirmRemainsHandoverInput!) { confirmRemainsHandover(input: $input) { id } }`, {
      input: { waveId: first, detaineeId: ids[key], confirmedAt: ctx.at(20, hour) },
    });
  await remainsHandover('mr1', 12);
  await remainsHandover('gr1', 13);
  await remainsHandover('gr2', 13);

  ctx.progress('second exchange wave planned: medical cases');
  const second = await plan(2, ctx.at(27, 8), [{ category: 'MEDICAL', counterpartPerDetainee: 2 }]);
  await addToManifest(second, ['mm1', 'gm1', 'gm2']);
}
