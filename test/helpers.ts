import path from 'node:path';

/** The shared FERPlus data beside the checkout (../shared/datasets/ferplus). */
export const FERPLUS = path.resolve(__dirname, '../../shared/datasets/ferplus');
export const PHOTOS = path.resolve(__dirname, '../../shared/datasets/photos');
