// Example operations preloaded in the playground, one tab each.
window.TREATY_EXAMPLES = [
  {
    name: 'Agreements and milestones',
    query: '# Anonymous callers see the public scorecard. To act with a role, run\n#   npm run token -- --agency "Office of the Envoy" --role MEDIATOR\n# and put {"Authorization": "Bearer <token>"} in the Headers tab below.\n#\n# Every agreement, its clock and where each milestone stands.\n{\n  agreements {\n    title\n    currentDay\n    currentPhase { name permittedCargo }\n    milestones { title dueDay status obligatedParty { name } }\n  }\n}\n',
  },
];
