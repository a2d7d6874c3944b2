/** Colours of the emotions and regions, shared by the charts, the annotated photos and the web demo (browser-safe). */

/** One colour per emotion (Tableau 10), shared by every chart of the package. */
export const EMOTION_COLORS: Record<string, string> = {
  neutral: '#79706e',
  happiness: '#59a14f',
  surprise: '#edc948',
  sadness: '#4e79a7',
  anger: '#e15759',
  disgust: '#b07aa1',
  fear: '#76b7b2',
  contempt: '#f28e2b',
};

/** One colour per RAN region (Tableau 10, in region order). */
export const REGION_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
];
