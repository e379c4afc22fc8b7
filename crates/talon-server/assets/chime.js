// A chime made in the browser, so it needs no sound file and no network: one short tone per
// frequency, `step` seconds apart. Resolves when it has sounded (at once where the browser
// allows no sound), so a caller can speak after it.

export function chime(frequencies, step = 0.35, volume = 0.2) {
  return new Promise((resolve) => {
    try {
      const context = new AudioContext();
      const now = context.currentTime;
      frequencies.forEach((frequency, i) => {
        const tone = context.createOscillator();
        const gain = context.createGain();
        const at = now + i * step;
        tone.frequency.value = frequency;
        gain.gain.setValueAtTime(volume, at);
        gain.gain.exponentialRampToValueAtTime(0.001, at + step * 0.85);
        tone.connect(gain).connect(context.destination);
        tone.start(at);
        tone.stop(at + step * 0.9);
      });
      setTimeout(
        () => {
          context.close();
          resolve();
        },
        (frequencies.length * step + 0.05) * 1000,
      );
    } catch (error) {
      resolve();
    }
  });
}
