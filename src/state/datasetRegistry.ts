/**
 * Heavy dataset data lives here, outside React and the store: the dropped File handles (to
 * re-read after a correction) and the decoded cases (typed arrays). The store holds only plain
 * summaries and a version counter that changes when this registry does.
 */
import type { LabelMapping } from '../core/data/labels';
import type { Case } from '../core/data/types';
import type { DroppedFile } from '../worker/datasetProtocol';

let files: DroppedFile[] = [];
let cases: Case[] = [];
let userMapping: LabelMapping | null = null;

export const datasetRegistry = {
  files: () => files,
  cases: () => cases,
  setFiles(next: DroppedFile[]) {
    files = next;
  },
  setCases(next: Case[]) {
    cases = next;
  },
  /** The label mapping the user chose for these files (null: the proposed one). */
  userMapping: () => userMapping,
  setUserMapping(next: LabelMapping | null) {
    userMapping = next;
  },
  clear() {
    files = [];
    cases = [];
    userMapping = null;
  },
};
