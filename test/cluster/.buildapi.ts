import { ensureApiserverBinary } from '/work/wt-cel/test/cluster/build';
ensureApiserverBinary().then((b) => console.log('BUILT', b), (e: unknown) => { console.error('FAIL', e); process.exit(1); });
