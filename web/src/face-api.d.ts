declare module '@vladmandic/face-api/dist/face-api.esm-nobundle.js' {
  export * from '@vladmandic/face-api';
}
