import * as migration_20261125_184140_initial from './20261125_184140_initial';

export const migrations = [
  {
    up: migration_20261125_184140_initial.up,
    down: migration_20261125_184140_initial.down,
    name: '20261125_184140_initial'
  },
];
