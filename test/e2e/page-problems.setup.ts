import { afterEach } from 'vitest';
import { takePageProblems } from '../support/browser.ts';

// Every browser test fails on a console.error or an uncaught page error, its own or its hooks' (a React
// warning, an SVG attribute of NaN, a 404): zero console errors is part of what the console promises.
afterEach(() => {
  const problems = takePageProblems();
  if (problems.length > 0)
    throw new Error(`The page logged ${problems.length} error(s):\n${[...new Set(problems)].join('\n')}`);
});
