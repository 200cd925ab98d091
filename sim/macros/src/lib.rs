//! The `#[simloop::test]` attribute macro. Use it through the `simloop`
//! crate, which re-exports it as `simloop::test` and documents it.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{quote, quote_spanned};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{ItemFn, LitBool, LitInt, LitStr, Path, parse_macro_input};

/// Turns an `async fn` into a `#[test]` that sweeps it across many seeds,
/// each in its own simulation. See `simloop::test` for the options.
#[proc_macro_attribute]
pub fn test(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut options = Options::default();
    let parser = syn::meta::parser(|meta| options.parse(meta));
    parse_macro_input!(attr with parser);
    let func = parse_macro_input!(item as ItemFn);
    expand(&options, func)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// The attribute's options, each turned into a `TestSpec` builder call,
/// and the path the expansion names the simloop crate by.
#[derive(Default)]
struct Options {
    calls: Vec<TokenStream2>,
    seen: Vec<String>,
    /// `crate = path`: where simloop is, for a renamed dependency
    /// (`sl = { package = "simloop", .. }`); `::simloop` otherwise.
    krate: Option<Path>,
}

impl Options {
    fn parse(&mut self, meta: ParseNestedMeta) -> syn::Result<()> {
        let Some(ident) = meta.path.get_ident() else {
            return Err(meta.error(UNKNOWN));
        };
        let name = ident.to_string();
        if self.seen.contains(&name) {
            return Err(meta.error(format!("`{name}` is given twice")));
        }
        let span = ident.span();
        if name == "crate" {
            // `crate = sl` or `crate = "sl"`, as `#[tokio::test]` spells it.
            let value = meta.value()?;
            let path = if value.peek(LitStr) {
                let lit: LitStr = value.parse()?;
                lit.parse::<Path>().map_err(|_| {
                    syn::Error::new(
                        lit.span(),
                        "`crate` takes the path simloop is known by, e.g. `crate = sl`",
                    )
                })?
            } else {
                value.parse::<Path>()?
            };
            self.seen.push(name);
            self.krate = Some(path);
            return Ok(());
        }
        let call = match name.as_str() {
            "seeds" => {
                let lit: LitInt = meta.value()?.parse()?;
                let n: u64 = lit.base10_parse()?;
                if n == 0 {
                    return Err(syn::Error::new(lit.span(), "`seeds` must be at least 1"));
                }
                quote_spanned!(span=> .seeds(#n))
            }
            "strategy" => {
                let lit: LitStr = meta.value()?.parse()?;
                check_strategy(&lit)?;
                quote_spanned!(span=> .strategy(#lit))
            }
            "time_limit" => {
                let lit: LitStr = meta.value()?.parse()?;
                let limit = humantime::parse_duration(&lit.value()).map_err(|e| {
                    syn::Error::new(
                        lit.span(),
                        format!("`time_limit`: {e}; write a duration such as \"30s\", \"1h\" or \"1h 30m\""),
                    )
                })?;
                let (secs, nanos) = (limit.as_secs(), limit.subsec_nanos());
                quote_spanned!(span=> .time_limit(::core::time::Duration::new(#secs, #nanos)))
            }
            "max_steps" => {
                let lit: LitInt = meta.value()?.parse()?;
                let n: u64 = lit.base10_parse()?;
                if n == 0 {
                    return Err(syn::Error::new(
                        lit.span(),
                        "`max_steps` must be at least 1: a run polls its root task at least once",
                    ));
                }
                quote_spanned!(span=> .max_steps(#n))
            }
            "timeline" => {
                let lit: LitStr = meta.value()?.parse()?;
                if lit.value().trim().is_empty() {
                    return Err(syn::Error::new(
                        lit.span(),
                        "`timeline` takes the directory a failing run's pictures go to, e.g. \"target/simloop\"",
                    ));
                }
                quote_spanned!(span=> .timeline_dir(#lit))
            }
            "check_determinism" | "leaks_are_errors" | "regressions" => {
                let on = if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<LitBool>()?.value
                } else {
                    true
                };
                let method = syn::Ident::new(&name, span);
                quote_spanned!(span=> .#method(#on))
            }
            _ => return Err(meta.error(UNKNOWN)),
        };
        self.seen.push(name);
        self.calls.push(call);
        Ok(())
    }
}

const UNKNOWN: &str = "unknown option; #[simloop::test] accepts `seeds = N`, \
    `strategy = \"pct:3\"`, `time_limit = \"1h\"`, `max_steps = N`, \
    `check_determinism`, `leaks_are_errors`, `regressions = false`, \
    `timeline = \"DIR\"` and `crate = path`";

/// Catches misspelt strategies at compile time; the exact parse (the same
/// one `SIMLOOP_STRATEGY` uses) happens when the test runs.
fn check_strategy(lit: &LitStr) -> syn::Result<()> {
    let text = lit.value().trim().to_ascii_lowercase();
    let (name, arg) = match text.split_once(':') {
        Some((name, arg)) => (name.to_owned(), Some(arg.to_owned())),
        None => (text.clone(), None),
    };
    let ok = match (name.as_str(), arg.as_deref()) {
        ("fifo" | "random" | "pct", None) => true,
        ("pct", Some(depth)) => depth.parse::<u32>().is_ok_and(|d| d >= 1),
        ("replay", Some(schedule)) => is_schedule(schedule),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(syn::Error::new(
            lit.span(),
            "`strategy` accepts \"fifo\", \"random\", \"pct\", \"pct:DEPTH\" (DEPTH >= 1) or \"replay:SCHEDULE\" \
             (SCHEDULE: \"fifo\" or `position:index` pairs, e.g. \"replay:3:1,17:2\")",
        ))
    }
}

/// Whether `text` has the form of a schedule: `fifo`, or comma-separated
/// `position:index` pairs of numbers (their order is checked when the test
/// runs).
fn is_schedule(text: &str) -> bool {
    let number = |s: &str| !s.trim().is_empty() && s.trim().chars().all(|c| c.is_ascii_digit());
    // `replay:` alone is no schedule: it would silently mean FIFO order.
    text.trim() == "fifo"
        || text.split(',').all(|pair| {
            pair.split_once(':')
                .is_some_and(|(pos, index)| number(pos) && number(index))
        })
}

fn expand(options: &Options, func: ItemFn) -> syn::Result<TokenStream2> {
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            "#[simloop::test] goes on an `async fn`",
        ));
    }
    if !sig.inputs.is_empty() {
        return Err(syn::Error::new(
            sig.inputs.span(),
            "a #[simloop::test] function takes no arguments (use simloop::rand for random inputs)",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            sig.generics.span(),
            "a #[simloop::test] function cannot be generic",
        ));
    }
    if let Some(attr) = func.attrs.iter().find(|a| a.path().is_ident("test")) {
        return Err(syn::Error::new(
            attr.span(),
            "#[simloop::test] makes the function a test already: remove #[test]",
        ));
    }
    let name = &sig.ident;
    let krate = match &options.krate {
        Some(path) => quote!(#path),
        None => quote!(::simloop),
    };
    let attrs = &func.attrs;
    let vis = &func.vis;
    let body = &func.block;
    let output = &sig.output;
    let mut calls = options.calls.clone();
    let expects_failure = attrs.iter().any(|a| a.path().is_ident("should_panic"));
    if expects_failure && !options.seen.iter().any(|o| o == "regressions") {
        // A failure the test expects is no regression to keep.
        calls.push(quote!(.regressions(false)));
    }
    Ok(quote! {
        #(#attrs)*
        #[::core::prelude::v1::test]
        #vis fn #name() {
            // A simulation polls its tasks on one thread: their futures are
            // not `Send`, by design (`Rc`, `JoinHandle`, ...).
            #[allow(clippy::future_not_send)]
            async fn #name() #output #body
            #krate::harness::run_test(
                #krate::harness::TestSpec::new(
                    ::core::env!("CARGO_PKG_NAME"),
                    ::core::module_path!(),
                    ::core::stringify!(#name),
                )
                .source(::core::file!(), ::core::env!("CARGO_MANIFEST_DIR"))
                #(#calls)*,
                |_seed: u64| #name(),
            )
        }
    })
}

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream as TokenStream2;
    use quote::quote;
    use syn::parse::Parser;
    use syn::{ItemFn, parse_quote};

    use super::{Options, expand};

    fn options(tokens: TokenStream2) -> syn::Result<Options> {
        let mut options = Options::default();
        syn::meta::parser(|meta| options.parse(meta)).parse2(tokens)?;
        Ok(options)
    }

    fn error(tokens: TokenStream2) -> String {
        match options(tokens) {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        }
    }

    fn calls(tokens: TokenStream2) -> String {
        let options = options(tokens).unwrap();
        let calls = &options.calls;
        quote!(#(#calls)*).to_string()
    }

    #[test]
    fn options_become_builder_calls() {
        assert_eq!(calls(quote!(seeds = 200)), ". seeds (200u64)");
        assert_eq!(calls(quote!(strategy = "pct:3")), ". strategy (\"pct:3\")");
        assert_eq!(
            calls(quote!(time_limit = "1h 30m")),
            ". time_limit (:: core :: time :: Duration :: new (5400u64 , 0u32))"
        );
        assert_eq!(calls(quote!(max_steps = 1_000)), ". max_steps (1000u64)");
        assert_eq!(
            calls(quote!(
                check_determinism,
                leaks_are_errors = false,
                regressions = false
            )),
            ". check_determinism (true) . leaks_are_errors (false) . regressions (false)"
        );
    }

    #[test]
    fn bad_options_are_compile_errors_that_say_what_is_accepted() {
        assert!(error(quote!(sedes = 3)).contains("accepts `seeds = N`"));
        assert!(error(quote!(seeds = 0)).contains("at least 1"));
        assert!(error(quote!(max_steps = 0)).contains("at least 1"));
        assert!(error(quote!(seeds = 1, seeds = 2)).contains("given twice"));
        assert!(error(quote!(time_limit = "a fortnight")).contains("\"1h 30m\""));
        assert!(error(quote!(strategy = "roundrobin")).contains("\"pct:DEPTH\""));
        assert!(error(quote!(strategy = "pct:0")).contains("\"pct:DEPTH\""));
        assert!(error(quote!(strategy = "replay:abc")).contains("\"replay:SCHEDULE\""));
        assert!(error(quote!(strategy = "replay:3:1,4")).contains("\"replay:SCHEDULE\""));
        assert!(error(quote!(strategy = "replay:")).contains("\"replay:SCHEDULE\""));
        assert_eq!(
            calls(quote!(strategy = "replay:3:1, 17:2")),
            ". strategy (\"replay:3:1, 17:2\")"
        );
        assert_eq!(
            calls(quote!(strategy = "replay:fifo")),
            ". strategy (\"replay:fifo\")"
        );
        assert!(error(quote!(check_determinism = 1)).contains("expected boolean literal"));
        assert!(error(quote!(timeline = "")).contains("directory"));
        assert!(error(quote!(crate = "not a path!")).contains("`crate = sl`"));
        assert!(error(quote!(crate = sl, crate = sl)).contains("given twice"));
        assert!(error(quote!(seeds = 1, nope)).contains("`crate = path`"));
    }

    #[test]
    fn the_crate_option_names_the_path_the_expansion_uses() {
        let func: ItemFn = parse_quote!(
            async fn t() {}
        );
        let plain = expand(&options(quote!()).unwrap(), func.clone())
            .unwrap()
            .to_string();
        assert!(
            plain.contains(":: simloop :: harness :: run_test"),
            "{plain}"
        );
        for tokens in [quote!(crate = sl), quote!(crate = "sl")] {
            let renamed = expand(&options(tokens).unwrap(), func.clone())
                .unwrap()
                .to_string();
            assert!(renamed.contains("sl :: harness :: run_test"), "{renamed}");
            assert!(
                renamed.contains("sl :: harness :: TestSpec :: new"),
                "{renamed}"
            );
            assert!(!renamed.contains("simloop ::"), "{renamed}");
        }
        let nested = expand(&options(quote!(crate = ::deps::sim)).unwrap(), func)
            .unwrap()
            .to_string();
        assert!(
            nested.contains(":: deps :: sim :: harness :: run_test"),
            "{nested}"
        );
    }

    #[test]
    fn the_timeline_option_names_a_directory() {
        assert_eq!(
            calls(quote!(timeline = "target/simloop")),
            ". timeline_dir (\"target/simloop\")"
        );
    }

    fn expand_error(func: ItemFn) -> String {
        expand(&Options::default(), func).unwrap_err().to_string()
    }

    #[test]
    fn only_plain_async_fns_are_accepted() {
        assert!(
            expand_error(parse_quote!(
                fn t() {}
            ))
            .contains("`async fn`")
        );
        assert!(
            expand_error(parse_quote!(
                async fn t(x: u32) {}
            ))
            .contains("no arguments")
        );
        assert!(
            expand_error(parse_quote!(
                async fn t<T>() {}
            ))
            .contains("generic")
        );
        assert!(
            expand_error(parse_quote!(
                #[test]
                async fn t() {}
            ))
            .contains("remove #[test]")
        );
    }

    #[test]
    fn a_test_expecting_a_panic_keeps_no_regressions_unless_told() {
        let expand_with = |tokens: TokenStream2, func: ItemFn| {
            expand(&options(tokens).unwrap(), func).unwrap().to_string()
        };
        let should_panic: ItemFn = parse_quote! {
            #[should_panic(expected = "lost update")]
            async fn t() {}
        };
        assert!(expand_with(quote!(), should_panic.clone()).contains(". regressions (false)"));
        let kept = expand_with(quote!(regressions = true), should_panic);
        assert!(kept.contains(". regressions (true)"), "{kept}");
        assert!(!kept.contains(". regressions (false)"), "{kept}");
        let plain = expand_with(
            quote!(),
            parse_quote!(
                async fn t() {}
            ),
        );
        assert!(!plain.contains("regressions"), "{plain}");
    }

    #[test]
    fn the_expansion_is_a_test_calling_the_harness() {
        let options = options(quote!(seeds = 7)).unwrap();
        let func: ItemFn = parse_quote! {
            #[should_panic]
            async fn drains() -> Result<(), String> { Ok(()) }
        };
        let out = expand(&options, func).unwrap().to_string();
        assert!(
            out.starts_with("# [should_panic] # [:: core :: prelude :: v1 :: test] fn drains ()"),
            "{out}"
        );
        assert!(
            out.contains(
                "# [allow (clippy :: future_not_send)] async fn drains () -> Result < () , String > { Ok (()) }"
            ),
            "{out}"
        );
        assert!(out.contains(":: simloop :: harness :: run_test"), "{out}");
        assert!(out.contains(":: core :: stringify ! (drains)"), "{out}");
        assert!(
            out.contains(". seeds (7u64) . regressions (false) ,"),
            "{out}"
        );
        assert!(out.contains("| _seed : u64 | drains ()"), "{out}");
    }
}
