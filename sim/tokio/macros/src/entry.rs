//! `#[tokio::main]` and `#[tokio::test]`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ItemFn, Lit, Meta, Token};

/// The attribute's settings: tokio's own, checked as tokio checks them, and
/// simloop's sweep settings, turned into `TestSpec` calls.
#[derive(Default)]
pub(crate) struct Config {
    krate: Option<syn::Path>,
    flavor: Option<String>,
    worker_threads: Option<Span>,
    spec_calls: Vec<TokenStream>,
    seen: Vec<String>,
}

const TOKIO_OPTIONS: &str = "`flavor`, `worker_threads`, `start_paused`, `crate`, \
    `unhandled_panic`, `name`";
const SIM_OPTIONS: &str = "`seeds`, `strategy`, `time_limit`, `max_steps`, \
    `check_determinism`, `leaks_are_errors`, `regressions`";

fn lit_of(expr: &Expr) -> syn::Result<&Lit> {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => Ok(lit),
        other => Err(syn::Error::new_spanned(other, "Must be a literal")),
    }
}

fn lit_str(lit: &Lit, name: &str) -> syn::Result<String> {
    match lit {
        Lit::Str(s) => Ok(s.value()),
        other => Err(syn::Error::new_spanned(
            other,
            format!("Failed to parse value of `{name}` as string."),
        )),
    }
}

fn lit_int(lit: &Lit, name: &str) -> syn::Result<u64> {
    match lit {
        Lit::Int(i) => i.base10_parse(),
        other => Err(syn::Error::new_spanned(
            other,
            format!("Failed to parse value of `{name}` as integer."),
        )),
    }
}

fn lit_bool(lit: &Lit, name: &str) -> syn::Result<bool> {
    match lit {
        Lit::Bool(b) => Ok(b.value),
        other => Err(syn::Error::new_spanned(
            other,
            format!("Failed to parse value of `{name}` as bool."),
        )),
    }
}

/// Parses a duration such as `"30s"`, `"1h"`, `"1h 30m"`, `"250ms"`.
fn parse_duration(text: &str) -> Option<(u64, u32)> {
    let mut nanos: u128 = 0;
    for part in text.split_whitespace() {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        let unit = &part[digits.len()..];
        let n: u128 = digits.parse().ok()?;
        let scale: u128 = match unit {
            "ns" => 1,
            "us" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" | "min" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            _ => return None,
        };
        nanos += n * scale;
    }
    if text.trim().is_empty() {
        return None;
    }
    let secs = u64::try_from(nanos / 1_000_000_000).ok()?;
    Some((secs, (nanos % 1_000_000_000) as u32))
}

impl Config {
    pub(crate) fn parse(&mut self, meta: Meta, is_test: bool) -> syn::Result<()> {
        let macro_name = if is_test {
            "tokio::test"
        } else {
            "tokio::main"
        };
        let (name, value) = match &meta {
            Meta::NameValue(nv) => {
                let Some(ident) = nv.path.get_ident() else {
                    return Err(syn::Error::new_spanned(nv, "Must have specified ident"));
                };
                (ident.to_string(), Some(&nv.value))
            }
            Meta::Path(path) => {
                let Some(ident) = path.get_ident() else {
                    return Err(syn::Error::new_spanned(path, "Must have specified ident"));
                };
                (ident.to_string(), None)
            }
            Meta::List(list) => {
                return Err(syn::Error::new_spanned(
                    list,
                    "Unknown attribute inside the macro",
                ));
            }
        };
        if self.seen.contains(&name) {
            return Err(syn::Error::new_spanned(
                &meta,
                format!("`{name}` set multiple times."),
            ));
        }
        let span = meta.span();
        match (name.as_str(), value) {
            ("flavor", Some(v)) => {
                let flavor = lit_str(lit_of(v)?, "flavor")?;
                match flavor.as_str() {
                    "current_thread" | "multi_thread" | "local" => self.flavor = Some(flavor),
                    other => {
                        return Err(syn::Error::new_spanned(
                            v,
                            format!(
                                "No such runtime flavor `{other}`. The runtime flavors are \
                                 `current_thread`, `local`, and `multi_thread`."
                            ),
                        ));
                    }
                }
            }
            ("worker_threads", Some(v)) => {
                if lit_int(lit_of(v)?, "worker_threads")? == 0 {
                    return Err(syn::Error::new_spanned(v, "`worker_threads` may not be 0."));
                }
                self.worker_threads = Some(v.span());
            }
            ("start_paused", Some(v)) => {
                lit_bool(lit_of(v)?, "start_paused")?;
            }
            ("crate", Some(v)) => {
                let path = lit_str(lit_of(v)?, "crate")?;
                self.krate = Some(syn::parse_str(&path).map_err(|e| {
                    syn::Error::new_spanned(
                        v,
                        format!("Failed to parse value of `crate` as path: {e}"),
                    )
                })?);
            }
            ("unhandled_panic", Some(v)) => {
                let s = lit_str(lit_of(v)?, "unhandled_panic")?;
                if s != "ignore" && s != "shutdown_runtime" {
                    return Err(syn::Error::new_spanned(
                        v,
                        format!(
                            "No such behavior `{s}`. The unhandled panic behaviors are `ignore` \
                             and `shutdown_runtime`."
                        ),
                    ));
                }
            }
            ("name", Some(v)) => {
                lit_str(lit_of(v)?, "name")?;
            }
            ("seeds", Some(v)) if is_test => {
                let n = lit_int(lit_of(v)?, "seeds")?;
                if n == 0 {
                    return Err(syn::Error::new_spanned(v, "`seeds` must be at least 1"));
                }
                self.spec_calls.push(quote_spanned!(span=> .seeds(#n)));
            }
            ("strategy", Some(v)) if is_test => {
                let s = lit_str(lit_of(v)?, "strategy")?;
                self.spec_calls.push(quote_spanned!(span=> .strategy(#s)));
            }
            ("time_limit", Some(v)) if is_test => {
                let s = lit_str(lit_of(v)?, "time_limit")?;
                let Some((secs, nanos)) = parse_duration(&s) else {
                    return Err(syn::Error::new_spanned(
                        v,
                        "`time_limit`: write a duration such as \"30s\", \"1h\" or \"1h 30m\"",
                    ));
                };
                self.spec_calls.push(
                    quote_spanned!(span=> .time_limit(::core::time::Duration::new(#secs, #nanos))),
                );
            }
            ("max_steps", Some(v)) if is_test => {
                let n = lit_int(lit_of(v)?, "max_steps")?;
                if n == 0 {
                    return Err(syn::Error::new_spanned(v, "`max_steps` must be at least 1"));
                }
                self.spec_calls.push(quote_spanned!(span=> .max_steps(#n)));
            }
            ("check_determinism" | "leaks_are_errors" | "regressions", v) if is_test => {
                let on = match v {
                    Some(v) => lit_bool(lit_of(v)?, &name)?,
                    None => true,
                };
                let method = syn::Ident::new(&name, span);
                self.spec_calls.push(quote_spanned!(span=> .#method(#on)));
            }
            (
                "flavor" | "worker_threads" | "start_paused" | "crate" | "unhandled_panic" | "name",
                None,
            ) => {
                return Err(syn::Error::new_spanned(
                    &meta,
                    format!("The `{name}` attribute requires an argument."),
                ));
            }
            ("multi_thread" | "threaded_scheduler", None) => {
                return Err(syn::Error::new_spanned(
                    &meta,
                    format!(
                        "Set the runtime flavor with #[{macro_name}(flavor = \"multi_thread\")]."
                    ),
                ));
            }
            ("current_thread" | "basic_scheduler" | "single_threaded", None) => {
                return Err(syn::Error::new_spanned(
                    &meta,
                    format!(
                        "Set the runtime flavor with #[{macro_name}(flavor = \"current_thread\")]."
                    ),
                ));
            }
            _ => {
                let sim = if is_test {
                    format!(", or simloop's {SIM_OPTIONS}")
                } else {
                    String::new()
                };
                return Err(syn::Error::new_spanned(
                    &meta,
                    format!(
                        "Unknown attribute {name} is specified; expected one of: {TOKIO_OPTIONS}{sim}."
                    ),
                ));
            }
        }
        self.seen.push(name);
        Ok(())
    }

    fn check(&self, is_test: bool) -> syn::Result<()> {
        let macro_name = if is_test {
            "tokio::test"
        } else {
            "tokio::main"
        };
        let multi =
            self.flavor.as_deref() == Some("multi_thread") || (!is_test && self.flavor.is_none());
        if let (Some(span), false) = (self.worker_threads, multi) {
            return Err(syn::Error::new(
                span,
                format!(
                    "The `worker_threads` option requires the `multi_thread` runtime flavor. Use \
                     `#[{macro_name}(flavor = \"multi_thread\")]`"
                ),
            ));
        }
        Ok(())
    }

    fn krate(&self) -> TokenStream {
        match &self.krate {
            Some(p) => quote!(#p),
            None => quote!(::tokio),
        }
    }
}

fn parse(attr: TokenStream, item: TokenStream, is_test: bool) -> syn::Result<(Config, ItemFn)> {
    let func: ItemFn = syn::parse2(item)?;
    if func.sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            func.sig.fn_token,
            "the `async` keyword is missing from the function declaration",
        ));
    }
    let args = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(attr)?;
    let mut config = Config::default();
    for meta in args {
        config.parse(meta, is_test)?;
    }
    config.check(is_test)?;
    Ok((config, func))
}

pub(crate) fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    match parse(attr, item, false).and_then(|(c, f)| expand_main(&c, f)) {
        Ok(t) => t,
        Err(e) => e.into_compile_error(),
    }
}

pub(crate) fn test(attr: TokenStream, item: TokenStream) -> TokenStream {
    match parse(attr, item, true).and_then(|(c, f)| expand_test(&c, f)) {
        Ok(t) => t,
        Err(e) => e.into_compile_error(),
    }
}

fn expand_main(config: &Config, func: ItemFn) -> syn::Result<TokenStream> {
    if !func.sig.inputs.is_empty() {
        return Err(syn::Error::new_spanned(
            &func.sig.inputs,
            "the main function cannot accept arguments",
        ));
    }
    let krate = config.krate();
    let attrs = &func.attrs;
    let vis = &func.vis;
    let name = &func.sig.ident;
    let output = &func.sig.output;
    let body = &func.block;
    Ok(quote! {
        #(#attrs)*
        #vis fn #name() #output {
            let body = async #body;
            #krate::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("Failed building the Runtime")
                .block_on(body)
        }
    })
}

fn expand_test(config: &Config, func: ItemFn) -> syn::Result<TokenStream> {
    let sig = &func.sig;
    if !sig.inputs.is_empty() {
        return Err(syn::Error::new_spanned(
            &sig.inputs,
            "the test function cannot accept arguments",
        ));
    }
    if let Some(attr) = func.attrs.iter().find(|a| a.path().is_ident("test")) {
        return Err(syn::Error::new_spanned(
            attr,
            "second test attribute is supplied, consider removing or changing the order of your \
             test attributes",
        ));
    }
    let krate = config.krate();
    let name = &sig.ident;
    let attrs = &func.attrs;
    let vis = &func.vis;
    let body = &func.block;
    let output = &sig.output;
    let mut calls = config.spec_calls.clone();
    let expects_failure = attrs.iter().any(|a| a.path().is_ident("should_panic"));
    if expects_failure && !config.seen.iter().any(|o| o == "regressions") {
        // A failure the test expects is no regression to keep.
        calls.push(quote!(.regressions(false)));
    }
    Ok(quote! {
        #(#attrs)*
        #[::core::prelude::v1::test]
        #vis fn #name() {
            async fn #name() #output #body
            #krate::__private::simloop::harness::run_test(
                #krate::__private::simloop::harness::TestSpec::new(
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
mod tests {
    use quote::quote;

    use super::parse_duration;

    #[test]
    fn durations_parse_like_the_simloop_macro() {
        assert_eq!(parse_duration("1h 30m"), Some((5400, 0)));
        assert_eq!(parse_duration("250ms"), Some((0, 250_000_000)));
        assert_eq!(parse_duration("a fortnight"), None);
        assert_eq!(parse_duration(""), None);
    }

    fn test_error(attr: proc_macro2::TokenStream) -> String {
        let item = quote!(
            async fn t() {}
        );
        super::test(attr, item).to_string()
    }

    #[test]
    fn tokio_options_are_checked_as_tokio_checks_them() {
        assert!(test_error(quote!(flavor = "fast")).contains("No such runtime flavor"));
        assert!(test_error(quote!(worker_threads = 2)).contains("requires the `multi_thread`"));
        assert!(
            test_error(quote!(flavor = "multi_thread", worker_threads = 0))
                .contains("may not be 0")
        );
        assert!(test_error(quote!(start_paused = 1)).contains("as bool"));
        assert!(test_error(quote!(flavor)).contains("requires an argument"));
        assert!(test_error(quote!(colour = "red")).contains("`seeds`"));
        assert!(test_error(quote!(seeds = 0)).contains("at least 1"));
        let ok = test_error(quote!(
            flavor = "multi_thread",
            worker_threads = 4,
            start_paused = true,
            crate = "tokio",
            unhandled_panic = "ignore",
            seeds = 5,
            check_determinism
        ));
        assert!(ok.contains("run_test"), "{ok}");
        assert!(ok.contains(". seeds (5u64)"), "{ok}");
    }

    #[test]
    fn main_rejects_what_tokio_rejects() {
        let out = super::main(
            quote!(),
            quote!(
                fn main() {}
            ),
        )
        .to_string();
        assert!(out.contains("`async` keyword is missing"), "{out}");
        let out = super::main(
            quote!(crate = "my_tokio"),
            quote!(
                async fn main() {}
            ),
        )
        .to_string();
        assert!(out.contains("my_tokio :: runtime :: Builder"), "{out}");
    }
}
