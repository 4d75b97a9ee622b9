import { z } from 'zod';

/** A flag the plan's flag system holds, as the plan screen's flag picker lists it. */
export const FlagSummarySchema = z
  .object({
    key: z.string(),
    variants: z.array(z.string()),
    enabled: z.boolean(),
    description: z.string().optional(),
  })
  .strict();
export type FlagSummaryView = z.infer<typeof FlagSummarySchema>;
