/** The demo page: webcam and photo modes, boxes and emotions over the picture, bars and regions beside it. */
import {
  type BrowserRecognizer,
  createRecognizer,
  EMOTION_COLORS,
  EMOTIONS,
  type Emotion,
  FollowSchedule,
  REGION_COLORS,
  type RecognizedFace,
  type RecognizeTimings,
} from 'ranfer/browser';
import { FaceSmoother, type TrackedFace } from './smoothing.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('video');
const photo = $<HTMLCanvasElement>('photo');
const overlay = $<HTMLDivElement>('overlay');
const facesPanel = $<HTMLElement>('faces');
const status = $<HTMLElement>('status');
const message = $<HTMLElement>('message');
const drop = $<HTMLLabelElement>('drop');
const fileInput = $<HTMLInputElement>('file');
const webcamButton = $<HTMLButtonElement>('mode-webcam');
const photoButton = $<HTMLButtonElement>('mode-photo');
const videoButton = $<HTMLButtonElement>('mode-video');
const videoFile = $<HTMLInputElement>('video-file');
const posedBox = $<HTMLInputElement>('posed');

type Mode = 'webcam' | 'photo' | 'video';
let mode: Mode = 'webcam';
let fer: BrowserRecognizer;
/** The recognizer as served, and one set for posed faces (made on first use; face-api's nets are shared). */
let plainFer: BrowserRecognizer;
let posedFer: BrowserRecognizer | undefined;
/** The settings docs/guide.md gives for posed expressions. */
const POSED = { priorWeight: 0.5, faceApiWeight: 0.25 };
/**
 * Webcam and video frames are detected at a 320-px input (photos at the default 512): a face filling a
 * good part of a 640x480 frame is found as well, in under half the detector's time.
 */
const LIVE = { tinyInputSize: 320 };
/** The live variants of the two recognizers (made on first use). */
const live = new Map<BrowserRecognizer, BrowserRecognizer>();

/** The recognizer for live frames with the current setting. */
async function liveFer(): Promise<BrowserRecognizer> {
  let r = live.get(fer);
  if (!r) {
    r = await createRecognizer({ modelUrl: './models/ranfer/', ...(fer === posedFer ? POSED : {}), ...LIVE });
    live.set(fer, r);
  }
  return r;
}
/** The photo on screen, recognised again when the setting changes. */
let lastPhoto: File | null = null;
let stream: MediaStream | null = null;
const smoother = new FaceSmoother();
const grab = document.createElement('canvas');
let fps = 0;
/** The faces of the photo on screen, kept to redraw their boxes when the page is resized. */
let photoFaces: { tracked: TrackedFace[]; width: number } | null = null;

/** What tests and curious users can read: the latest faces, the frame rate and the last frame's stage times. */
declare global {
  interface Window {
    ranfer: {
      state: string;
      fps: number;
      faces: Array<{ emotion: Emotion; box: RecognizedFace['box'] }>;
      timings: RecognizeTimings;
    };
  }
}
window.ranfer = { state: 'loading', fps: 0, faces: [], timings: {} };
/** Stage times (ms) of the latest live frame. */
let timings: RecognizeTimings = {};

function setState(state: string): void {
  document.body.dataset.state = state;
  window.ranfer.state = state;
}

function showMessage(text: string | null): void {
  message.hidden = text === null;
  message.textContent = text ?? '';
}

const pct = (v: number) => `${(100 * v).toFixed(0)}%`;

/** Boxes over the picture, in the displayed picture's pixels. */
function drawBoxes(tracked: TrackedFace[], sourceWidth: number, shown: HTMLElement): void {
  const k = shown.clientWidth / sourceWidth;
  overlay.replaceChildren(
    ...tracked.map(({ face, smoothed, top }) => {
      const box = document.createElement('div');
      box.className = 'box';
      box.dataset.emotion = top;
      box.style.left = `${face.box.x * k}px`;
      box.style.top = `${face.box.y * k}px`;
      box.style.width = `${face.box.width * k}px`;
      box.style.height = `${face.box.height * k}px`;
      box.style.borderColor = EMOTION_COLORS[top];
      const label = document.createElement('span');
      label.style.background = EMOTION_COLORS[top];
      label.textContent = `${top} ${pct(smoothed[top])}`;
      box.append(label);
      return box;
    }),
  );
}

/** The aligned face with its regions outlined, and the attention weight of each region. */
function regionsView(face: RecognizedFace): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'regions';
  const size = face.aligned.size;
  const canvas = document.createElement('canvas');
  canvas.width = size * 3;
  canvas.height = size * 3;
  const ctx = canvas.getContext('2d');
  if (ctx) {
    const img = new ImageData(size, size);
    for (const [i, v] of face.aligned.pixels.entries()) img.data.set([v, v, v, 255], 4 * i);
    const small = document.createElement('canvas');
    small.width = size;
    small.height = size;
    small.getContext('2d')?.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, 0, 0, size * 3, size * 3);
    const weights = Object.values(face.attention);
    const max = Math.max(...weights, 1e-9);
    fer.model.regions.forEach((r, j) => {
      const [t, l, b, rr] = r.box.map((v) => v * size * 3);
      ctx.strokeStyle = REGION_COLORS[j];
      ctx.globalAlpha = 0.25 + (0.75 * (weights[j] ?? 0)) / max;
      ctx.lineWidth = 1 + (3 * (weights[j] ?? 0)) / max;
      ctx.strokeRect(l + j, t + j, rr - l - 2 * j, b - t - 2 * j);
    });
    ctx.globalAlpha = 1;
  }
  const list = document.createElement('div');
  list.className = 'weights';
  const weights = Object.entries(face.attention);
  const max = Math.max(...weights.map(([, w]) => w), 1e-9);
  for (const [j, [name, w]] of weights.entries()) {
    list.insertAdjacentHTML(
      'beforeend',
      `<span><i class="swatch" style="background:${REGION_COLORS[j]}"></i>${name}</span>` +
        `<span class="bar"><i style="width:${((100 * w) / max).toFixed(0)}%;background:${REGION_COLORS[j]}"></i></span>` +
        `<span class="num">${w.toFixed(2)}</span>`,
    );
  }
  wrap.append(canvas, list);
  return wrap;
}

function drawPanel(tracked: TrackedFace[]): void {
  if (tracked.length === 0) {
    facesPanel.innerHTML = '<p class="face">No face found.</p>';
    return;
  }
  facesPanel.replaceChildren(
    ...tracked.map(({ face, smoothed, top }, i) => {
      const card = document.createElement('div');
      card.className = 'face';
      card.dataset.emotion = top;
      card.innerHTML =
        `<h2>Face ${i + 1}: <span style="color:${EMOTION_COLORS[top]}">${top}</span>` +
        (face.rotation ? ` <small>(photo turned ${face.rotation}°)</small>` : '') +
        '</h2><div class="bars">' +
        EMOTIONS.map(
          (e) =>
            `<span>${e}</span><span class="bar"><i style="width:${(100 * smoothed[e]).toFixed(1)}%;background:${EMOTION_COLORS[e]}"></i></span>` +
            `<span class="num">${pct(smoothed[e])}</span>`,
        ).join('') +
        '</div>';
      card.append(regionsView(face));
      return card;
    }),
  );
}

function publish(tracked: TrackedFace[]): void {
  window.ranfer.faces = tracked.map((t) => ({ emotion: t.top, box: t.face.box }));
  window.ranfer.fps = fps;
  window.ranfer.timings = timings;
}

/**
 * Live frames are detected one in three; on the others the faces of the frame before are followed by
 * their landmarks (`follow`, no detector), and a frame that loses a face is followed by a detection.
 */
const schedule = new FollowSchedule(3);

/** Recognises a photo, or a live frame as `schedule` says. */
async function recognizeFrame(
  source: CanvasImageSource,
  width: number,
  height: number,
): Promise<RecognizedFace[]> {
  // A video at its own size goes in as it is: the recognizer then knows it is a video frame (no turned
  // retries on frames without a face).
  const live = source instanceof HTMLVideoElement;
  const rec = live ? await liveFer() : fer;
  timings = {};
  const run = (input: HTMLVideoElement | ImageData) =>
    live ? schedule.next(rec, input, timings) : rec.recognize(input, timings);
  if (source instanceof HTMLVideoElement && width === source.videoWidth && height === source.videoHeight)
    return run(source);
  grab.width = width;
  grab.height = height;
  const ctx = grab.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas');
  ctx.drawImage(source, 0, 0, width, height);
  return run(ctx.getImageData(0, 0, width, height));
}

/** Recognises the frames of the webcam, or of a video file, for as long as its mode lasts. */
async function liveLoop(which: 'webcam' | 'video'): Promise<void> {
  let last = performance.now();
  schedule.reset();
  while (mode === which && (which === 'video' || stream)) {
    if (video.readyState >= 2 && video.videoWidth > 0) {
      const faces = await recognizeFrame(video, video.videoWidth, video.videoHeight);
      if (mode !== which) break;
      const now = performance.now();
      fps = fps === 0 ? 1000 / (now - last) : 0.8 * fps + 0.2 * (1000 / (now - last));
      last = now;
      const tracked = smoother.update(faces);
      drawBoxes(tracked, video.videoWidth, video);
      drawPanel(tracked);
      publish(tracked);
      status.textContent = `${fps.toFixed(1)} frames/s · ${faces.length} face${faces.length === 1 ? '' : 's'}`;
      setState('running');
    }
    await new Promise((r) => requestAnimationFrame(r));
  }
}

async function startWebcam(): Promise<void> {
  if (!navigator.mediaDevices?.getUserMedia)
    throw new Error('this browser gives no camera access (a secure context is needed)');
  stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  video.srcObject = stream;
  await video.play();
}

function stopWebcam(): void {
  for (const t of stream?.getTracks() ?? []) t.stop();
  stream = null;
  video.srcObject = null;
}

async function setMode(next: Mode): Promise<void> {
  mode = next;
  webcamButton.setAttribute('aria-pressed', String(next === 'webcam'));
  photoButton.setAttribute('aria-pressed', String(next === 'photo'));
  videoButton.setAttribute('aria-pressed', String(next === 'video'));
  overlay.replaceChildren();
  facesPanel.replaceChildren();
  smoother.reset();
  fps = 0;
  photoFaces = null;
  video.hidden = next === 'photo';
  video.controls = next === 'video';
  if (next !== 'video' && video.src) {
    URL.revokeObjectURL(video.src);
    video.removeAttribute('src');
  }
  // The photo canvas appears with a photo (an empty one would show as a black box).
  photo.hidden = true;
  drop.hidden = next !== 'photo';
  if (next !== 'webcam') stopWebcam();
  if (next === 'video') {
    showMessage(null);
    setState('video');
    return;
  }
  if (next === 'photo') {
    setState('photo');
    status.textContent = 'choose or drop a photo';
    return;
  }
  showMessage(null);
  try {
    status.textContent = 'starting the camera…';
    await startWebcam();
    void liveLoop('webcam');
  } catch (err) {
    const e = err as Error;
    showMessage(`No camera available (${e.name}: ${e.message}). Photo mode still works.`);
    await setMode('photo');
    setState('no-camera');
  }
}

/** Plays a video file in the view and recognises its frames as they play. */
async function playVideo(file: File): Promise<void> {
  await setMode('video');
  if (!file.type.startsWith('video/')) {
    showMessage(`${file.name}: not a video.`);
    setState('video-error');
    return;
  }
  video.src = URL.createObjectURL(file);
  video.loop = true;
  try {
    await video.play();
  } catch {
    showMessage(`${file.name}: the browser cannot play this video.`);
    setState('video-error');
    return;
  }
  status.textContent = `playing ${file.name}…`;
  void liveLoop('video');
}

async function showPhoto(file: File): Promise<void> {
  lastPhoto = file;
  if (mode !== 'photo') await setMode('photo');
  // The previous photo's faces go at once, whatever becomes of this one.
  overlay.replaceChildren();
  facesPanel.replaceChildren();
  photoFaces = null;
  const refuse = (why: string) => {
    photo.hidden = true;
    showMessage(`${file.name}: ${why}`);
    status.textContent = `${file.name}: not recognised`;
    setState('photo-error');
  };
  if (!file.type.startsWith('image/')) return refuse('not an image.');
  showMessage(null);
  status.textContent = `recognising ${file.name}…`;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return refuse('the browser cannot decode this image.');
  }
  const k = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const w = Math.round(bitmap.width * k);
  const h = Math.round(bitmap.height * k);
  photo.width = w;
  photo.height = h;
  photo.getContext('2d')?.drawImage(bitmap, 0, 0, w, h);
  photo.hidden = false;
  const t = performance.now();
  const faces = await recognizeFrame(bitmap, w, h);
  smoother.reset();
  const tracked = smoother.update(faces);
  drawBoxes(tracked, w, photo);
  photoFaces = { tracked, width: w };
  drawPanel(tracked);
  publish(tracked);
  status.textContent = `${file.name}: ${faces.length} face${faces.length === 1 ? '' : 's'} in ${(performance.now() - t).toFixed(0)} ms`;
  setState('photo-done');
}

/** Switches between the served settings and those for posed faces; the photo on screen is read again. */
async function setPosed(on: boolean): Promise<void> {
  try {
    posedFer ??= on ? await createRecognizer({ modelUrl: './models/ranfer/', ...POSED }) : undefined;
  } catch (err) {
    showMessage(`The posed-faces setting could not be loaded: ${(err as Error).message}`);
    posedBox.checked = false;
    return;
  }
  fer = on && posedFer ? posedFer : plainFer;
  if (mode === 'photo' && lastPhoto && !photo.hidden) await showPhoto(lastPhoto);
}

async function main(): Promise<void> {
  try {
    // The model `ranfer serve` was started with; face-api's weights and the WASM binaries from the package.
    plainFer = await createRecognizer({ modelUrl: './models/ranfer/' });
    fer = plainFer;
  } catch (err) {
    showMessage(`The models could not be loaded: ${(err as Error).message}`);
    setState('error');
    return;
  }
  $('backend').textContent = fer.backend;
  posedBox.addEventListener('change', () => void setPosed(posedBox.checked));
  webcamButton.addEventListener('click', () => void setMode('webcam'));
  photoButton.addEventListener('click', () => void setMode('photo'));
  videoFile.addEventListener('change', () => {
    const f = videoFile.files?.[0];
    if (f) void playVideo(f);
    videoFile.value = '';
  });
  videoButton.addEventListener('click', () => videoFile.click());
  fileInput.addEventListener('change', () => {
    const f = fileInput.files?.[0];
    if (f) void showPhoto(f);
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void showPhoto(f);
  });
  window.addEventListener('resize', () => {
    // Boxes are placed in displayed pixels: a photo's are redrawn at the new size at once, the webcam's
    // on its next frame.
    if (mode === 'photo' && photoFaces) drawBoxes(photoFaces.tracked, photoFaces.width, photo);
    else overlay.replaceChildren();
  });
  const wanted = new URLSearchParams(location.search).get('mode');
  await setMode(wanted === 'photo' ? 'photo' : 'webcam');
}

void main();
