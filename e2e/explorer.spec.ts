import { expect, test, type Page } from '@playwright/test';

interface TraceMeta {
  loss: string;
  kind: 'background' | 'rare';
  component: 'total' | 'distribution' | 'region';
}

/** The y values plotly is drawing for one trace, read from the graph div. */
async function curve(page: Page, meta: TraceMeta): Promise<number[] | null> {
  return page.evaluate((m) => {
    const gd = document.querySelector('.js-plotly-plot') as unknown as { data?: { meta?: TraceMeta; y: number[] }[] } | null;
    const t = gd?.data?.find((d) => d.meta?.loss === m.loss && d.meta.kind === m.kind && d.meta.component === m.component);
    return t ? Array.from(t.y) : null;
  }, meta);
}

test.beforeEach(async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto('/');
  await expect(page.locator('.js-plotly-plot')).toBeVisible();
  expect(errors).toEqual([]);
});

test('the explorer loads with the paper settings and draws both pixel panels', async ({ page }) => {
  await expect(page.getByRole('heading', { name: 'Asymmetric unified focal' })).toBeVisible();
  for (const name of ['λ (lambda)', 'δ (delta)', 'γ (gamma)']) await expect(page.getByRole('slider', { name })).toBeVisible();
  await expect(page.getByRole('slider', { name: 'λ (lambda)' })).toHaveValue('0.5');
  await expect(page.getByRole('slider', { name: 'δ (delta)' })).toHaveValue('0.6');
  await expect(page.getByRole('slider', { name: 'γ (gamma)' })).toHaveValue('0.5');
  expect(await curve(page, { loss: 'asymmetricUnifiedFocal', kind: 'background', component: 'total' })).toHaveLength(199);
  expect(await curve(page, { loss: 'crossEntropy', kind: 'rare', component: 'total' })).toHaveLength(199);
  await page.screenshot({ path: 'e2e-artifacts/explorer.png', fullPage: true });
});

test('moving γ with the keyboard changes the plotted curve and the formula', async ({ page }) => {
  const meta: TraceMeta = { loss: 'asymmetricUnifiedFocal', kind: 'background', component: 'total' };
  const before = await curve(page, meta);
  const formula = page.getByTestId('formula');
  await expect(formula).toContainText('(1 − p_i0)^0.5');
  const gamma = page.getByRole('slider', { name: 'γ (gamma)' });
  await gamma.focus();
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  await expect(gamma).toHaveValue('0.7');
  await expect(formula).toContainText('(1 − p_i0)^0.7');
  await expect(formula).toContainText('(1 − TI_c)^0.3');
  const after = await curve(page, meta);
  expect(after).not.toBeNull();
  expect(after).not.toEqual(before);
  // The asymmetric loss does not modulate rare classes: their focal part must not move with γ.
  // (The region part does, through 1 − γ.)
  const rareFocalBefore = await curve(page, { loss: 'asymmetricUnifiedFocal', kind: 'rare', component: 'distribution' });
  await page.keyboard.press('ArrowRight');
  expect(await curve(page, { loss: 'asymmetricUnifiedFocal', kind: 'rare', component: 'distribution' })).toEqual(rareFocalBefore);
});

test('"Recover Dice" sets λ, δ, γ and the formula, and the unified curve falls on Dice', async ({ page }) => {
  await page.getByRole('button', { name: 'Recover Dice' }).click();
  await expect(page.getByRole('heading', { name: 'Symmetric unified focal' })).toBeVisible();
  await expect(page.getByRole('slider', { name: 'λ (lambda)' })).toHaveValue('0');
  await expect(page.getByRole('slider', { name: 'δ (delta)' })).toHaveValue('0.5');
  await expect(page.getByRole('slider', { name: 'γ (gamma)' })).toHaveValue('0');
  const formula = page.getByTestId('formula');
  await expect(formula).toContainText('L_sUF = 0·L_mF + 1·L_mFT');
  await expect(formula).toContainText('(1 − TI_c)^1');
  await expect(formula).toContainText('0.5·fn_c + 0.5·fp_c');
  await expect(page.getByTestId('relation')).toContainText('L ≈ L_DSC');
  await expect(page.getByRole('button', { name: 'Recover Dice' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('checkbox', { name: 'Dice', exact: true })).toBeChecked();
  for (const kind of ['background', 'rare'] as const) {
    const unified = await curve(page, { loss: 'symmetricUnifiedFocal', kind, component: 'total' });
    const dice = await curve(page, { loss: 'dice', kind, component: 'total' });
    expect(unified).not.toBeNull();
    expect(dice).not.toBeNull();
    const gap = Math.max(...(unified ?? []).map((v, i) => Math.abs(v - (dice?.[i] ?? NaN))));
    expect(gap).toBeLessThan(1e-5);
  }
  await expect(page.locator('.hierarchy')).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: 'e2e-artifacts/explorer-recover-dice.png', fullPage: true });
  // Moving a slider away from the preset releases the relation.
  await page.getByRole('slider', { name: 'γ (gamma)' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('button', { name: 'Recover Dice' })).toHaveAttribute('aria-pressed', 'false');
});

test('every loss can be edited from the keyboard; each shows its formula', async ({ page }) => {
  for (const label of ['Focal Tversky', 'Combo', 'Cross entropy']) {
    await page.getByRole('button', { name: `Edit ${label}`, exact: true }).press('Enter');
    await expect(page.getByRole('heading', { name: label, exact: true })).toBeVisible();
    await expect(page.getByTestId('equation')).not.toBeEmpty();
  }
  await page.getByRole('button', { name: 'Edit Focal Tversky', exact: true }).click();
  await expect(page.getByTestId('formula')).toContainText('(1 − TI_c)^0.75');
});
