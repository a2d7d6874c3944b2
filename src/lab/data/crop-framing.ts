/** How face crops are framed for the model (see crop.ts); no image code, for the command line's options. */
export type CropFraming = 'aligned' | 'resize' | 'detect';
export const CROP_FRAMINGS: readonly CropFraming[] = ['aligned', 'resize', 'detect'];
