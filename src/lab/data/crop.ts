/**
 * Face crops (images that are one face, framed by whoever cut them) to the model's input.
 * - `aligned`: the 68 landmarks of the whole crop, then the photo pipeline's alignment (FERPlus framing,
 *   eyes level), so a crop is seen as the same face in a photo would be. Crops cut tightly around the
 *   face (forehead to chin) or loosely (with hair and shoulders) come out framed alike.
 * - `resize`: the crop resized to the input as it is (for crops already in FERPlus framing).
 * - `detect`: the photo pipeline's own way: the face detector (with its bordered retry), then the
 *   landmarks of the face it scores highest; a crop where it finds none is resized instead.
 */
import { AlignmentError, alignFace } from '../../face/align.js';
import type { FaceDetector } from '../../face/detector.js';
import { findFaces } from '../../face/find.js';
import type { RgbImage } from '../../face/image.js';
import { resizeGrey } from '../../face/image.js';
import { CROP_FRAMINGS, type CropFraming } from './crop-framing.js';

export { CROP_FRAMINGS, type CropFraming };

export interface FramedCrop {
  /** size x size grey pixels. */
  pixels: Uint8Array;
  /**
   * The framing used: `resize` also where alignment was asked for but the landmarks were degenerate, or
   * where detection found no face.
   */
  framing: CropFraming;
}

/** Frames one crop for a model of input side `size`. */
export async function frameCrop(
  image: RgbImage,
  size: number,
  framing: CropFraming,
  detector?: FaceDetector,
  retryBorder?: number,
): Promise<FramedCrop> {
  if (framing !== 'resize') {
    if (!detector) throw new Error(`${framing} framing needs the face networks (a FaceDetector)`);
    const faces = await findFaces(image.data, image.width, image.height, detector, {
      faces: framing === 'aligned' ? 'crop' : 'detect',
      retryBorder,
      // Crops of a dataset are upright.
      rotations: false,
    });
    const landmarks = faces[0]?.landmarks;
    try {
      if (!landmarks) throw new AlignmentError('no face found');
      const source = { data: image.data, width: image.width, height: image.height, channels: 3 as const };
      return { pixels: alignFace(source, landmarks, size).pixels, framing };
    } catch (err) {
      // Degenerate landmarks (no face the network can read): the crop as it is.
      if (!(err instanceof AlignmentError)) throw err;
    }
  }
  return { pixels: await resizeGrey(image, size), framing: 'resize' };
}
