// The modules `syncstorm chaos` needs to run, loaded together only when the command runs (so
// `syncstorm --help` stays fast) and handed to the chaos-*.ts helpers as one object `m`.

export type Modules = Awaited<ReturnType<typeof loadModules>>;

export async function loadModules() {
  const [pool, runSeed, shrink, summary, junit, seeds, target, config, plan, runFile, variants, chaosReport, checkerTypes, faultSetting, traceText] = await Promise.all([
    import('../../scenarios/chaos/pool.ts'),
    import('../../scenarios/chaos/run-seed.ts'),
    import('../../scenarios/chaos/shrink.ts'),
    import('../../scenarios/chaos/summary.ts'),
    import('../../scenarios/chaos/junit.ts'),
    import('../../scenarios/chaos/seeds.ts'),
    import('../../scenarios/chaos/target.ts'),
    import('../../sim/config.ts'),
    import('../../sim/plan.ts'),
    import('../../sim/run-file.ts'),
    import('../../sim/variants.ts'),
    import('../../reports/chaos-report.ts'),
    import('../../scenarios/checkers/types.ts'),
    import('../../reports/fault-setting.ts'),
    import('../../reports/trace-text.ts'),
  ]);
  return { ...pool, ...runSeed, ...shrink, ...summary, ...junit, ...seeds, ...target, ...config, ...plan, ...runFile, ...variants, ...chaosReport, clockText: checkerTypes.clockText, skewText: checkerTypes.skewText, faultSettingSuffix: faultSetting.faultSettingSuffix, traceArgsFor: traceText.traceArgsFor };
}
