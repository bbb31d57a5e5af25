// Alarm flashing, after IEC 60601-1-8 (6.3.2, Table 2 as reproduced in monitor manuals: EDAN X8 manual p. 43,
// Comen N10 operator's manual p. 64): high priority flashes at 1.4-2.8 Hz (here 2 Hz), medium at 0.4-0.8 Hz
// (here 0.6 Hz), low is steady. One clock for the whole
// page sets the phase on <body> (data-flash-high, data-flash-medium), so every row and tile of one priority is in
// step; CSS flashes only a band or a frame with it, never text or buttons. With prefers-reduced-motion nothing
// flashes: the phase stays "on" and CSS shows a steady, thicker band instead.
const HALF_PERIOD_MS = { high: 250, medium: 833 };

export function startFlashing(body = document.body) {
  const reduce = window.matchMedia('(prefers-reduced-motion: reduce)');
  const tick = () => {
    const now = performance.now();
    for (const [p, half] of Object.entries(HALF_PERIOD_MS)) {
      const phase = reduce.matches || Math.floor(now / half) % 2 === 0 ? 'on' : 'off';
      if (body.dataset[`flash${p[0].toUpperCase()}${p.slice(1)}`] !== phase) body.dataset[`flash${p[0].toUpperCase()}${p.slice(1)}`] = phase;
    }
    body.dataset.motion = reduce.matches ? 'reduced' : 'full';
  };
  tick();
  setInterval(tick, 50);
}
