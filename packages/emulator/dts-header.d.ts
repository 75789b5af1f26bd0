/* Written by `napi build` from the Rust sources in src/; do not edit. Regenerate with `npm run build`. */
