import * as migration_20261130_235152_initial from './20261130_235152_initial';

export const migrations = [
  {
    up: migration_20261130_235152_initial.up,
    down: migration_20261130_235152_initial.down,
    name: '20261130_235152_initial'
  },
];
