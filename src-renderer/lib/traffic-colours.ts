/** The colour class of a traffic track: blue, green, stable and canary keep their own colour everywhere. */
export function trackColourClass(track: string, index: number): string {
  const named: Readonly<Record<string, string>> = {
    blue: 'track-blue',
    green: 'track-green',
    stable: 'track-stable',
    canary: 'track-canary',
    control: 'track-stable',
    baseline: 'track-stable',
  };
  return named[track.toLowerCase()] ?? `seg-${index % 4}`;
}

/**
 * Whether a label of `chars` characters fits inside a bar segment of `percent` % of a bar `barPx` pixels wide
 * (12 px text, about 7 px a character, 12 px of padding); a label that does not fit goes in the legend only.
 */
export function labelFits(chars: number, percent: number, barPx: number): boolean {
  return (percent / 100) * barPx >= chars * 7 + 12;
}

/** The colour of each track class, for what is drawn with a stroke rather than a class (the health timeline). */
const CLASS_COLOURS: Readonly<Record<string, string>> = {
  'track-blue': '#2563eb',
  'track-green': '#15803d',
  'track-stable': '#475569',
  'track-canary': '#c2410c',
};

/**
 * The colour of a track (a flag ramp's variant) as its traffic bar segment is coloured (`trackColourClass`), as a
 * CSS colour: the health timeline draws a variant's line in its exposure bar colour.
 */
export function trackColour(track: string, index: number): string {
  const cls = trackColourClass(track, index);
  return CLASS_COLOURS[cls] ?? `var(--series-${(index % 4) + 1})`;
}
