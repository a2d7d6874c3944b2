/** The 8 FERPlus emotion classes, in the dataset's order (index 0-7). */
export const EMOTIONS = [
  'neutral',
  'happiness',
  'surprise',
  'sadness',
  'anger',
  'disgust',
  'fear',
  'contempt',
] as const;

export type Emotion = (typeof EMOTIONS)[number];

/** Vote columns of label.csv: the 8 emotions, then unknown and NF (not a face). */
export const VOTE_COLUMNS = [...EMOTIONS, 'unknown', 'NF'] as const;

export const NUM_CLASSES = EMOTIONS.length;
export const NUM_VOTES = VOTE_COLUMNS.length;
