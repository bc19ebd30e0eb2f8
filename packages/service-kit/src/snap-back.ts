/**
 * The one rule two services apply to a snap-back state: it reaches a milestone (and withholds what was
 * promised for it, tranches included) while it is in force and was triggered before the milestone's
 * deadline; one triggered at or after the deadline does not. Milestones derives the state and answers
 * `Milestone.underSnapBack` with this; guarantors receives the state through the query plan
 * (`@requires`) and decides its tranches with the same function, so the two can never disagree.
 */
export function snapBackReaches(state: { active: boolean; triggeredAt: Date | string | null | undefined }, deadline: Date): boolean {
  if (!state.active || state.triggeredAt === null || state.triggeredAt === undefined) return false;
  return new Date(state.triggeredAt).getTime() < deadline.getTime();
}
