//! `select!`: parses tokio's grammar and expands to a `poll_fn` over the
//! branches, in an order drawn from the simulation (or top to bottom with
//! `biased;`).

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Pat, Token};

struct Branch {
    pat: Pat,
    fut: Expr,
    cond: Option<Expr>,
    handler: Expr,
}

struct Input {
    krate: TokenStream,
    biased: bool,
    branches: Vec<Branch>,
    otherwise: Option<Expr>,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Input> {
        let content;
        syn::parenthesized!(content in input);
        let krate: TokenStream = content.parse()?;
        let mut biased = false;
        if input.peek(syn::Ident)
            && input.fork().parse::<Ident>()? == "biased"
            && input.peek2(Token![;])
        {
            input.parse::<Ident>()?;
            input.parse::<Token![;]>()?;
            biased = true;
        }
        let mut branches = Vec::new();
        let mut otherwise = None;
        while !input.is_empty() {
            if input.peek(Token![else]) {
                input.parse::<Token![else]>()?;
                input.parse::<Token![=>]>()?;
                let e: Expr = input.parse()?;
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
                if otherwise.replace(e).is_some() {
                    return Err(input.error("`select!` has more than one `else` branch"));
                }
                continue;
            }
            let pat = Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<Token![=]>()?;
            let fut: Expr = input.parse()?;
            let mut cond = None;
            if input.peek(Token![,]) && input.peek2(Token![if]) {
                input.parse::<Token![,]>()?;
                input.parse::<Token![if]>()?;
                cond = Some(input.parse()?);
            }
            input.parse::<Token![=>]>()?;
            let handler: Expr = input.parse()?;
            let is_block = matches!(handler, Expr::Block(_));
            if input.peek(Token![,]) {
                input.parse::<Token![,]>()?;
            } else if !input.is_empty() && !is_block {
                return Err(input.error("expected `,` after a `select!` branch's handler"));
            }
            branches.push(Branch {
                pat,
                fut,
                cond,
                handler,
            });
        }
        if branches.is_empty() && otherwise.is_none() {
            return Err(syn::Error::new(
                Span::call_site(),
                "`select!` needs at least one branch",
            ));
        }
        if branches.len() > 64 {
            return Err(syn::Error::new(
                Span::call_site(),
                "`select!` supports at most 64 branches",
            ));
        }
        Ok(Input {
            krate,
            biased,
            branches,
            otherwise,
        })
    }
}

/// The pattern with its bindings replaced by `_`, to test whether a
/// branch's output matches without moving it.
fn clean(pat: &Pat) -> Pat {
    let mut pat = pat.clone();
    clean_in_place(&mut pat);
    pat
}

fn clean_in_place(pat: &mut Pat) {
    match pat {
        Pat::Ident(ident) => match ident.subpat.take() {
            Some((_, sub)) => {
                let mut sub = *sub;
                clean_in_place(&mut sub);
                *pat = sub;
            }
            None => {
                *pat = Pat::Wild(syn::PatWild {
                    attrs: Vec::new(),
                    underscore_token: Default::default(),
                })
            }
        },
        Pat::Or(or) => or.cases.iter_mut().for_each(clean_in_place),
        Pat::Paren(p) => clean_in_place(&mut p.pat),
        Pat::Reference(r) => clean_in_place(&mut r.pat),
        Pat::Slice(s) => s.elems.iter_mut().for_each(clean_in_place),
        Pat::Struct(s) => s.fields.iter_mut().for_each(|f| clean_in_place(&mut f.pat)),
        Pat::Tuple(t) => t.elems.iter_mut().for_each(clean_in_place),
        Pat::TupleStruct(t) => t.elems.iter_mut().for_each(clean_in_place),
        Pat::Type(t) => clean_in_place(&mut t.pat),
        _ => {}
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    match syn::parse2::<Input>(input) {
        Ok(input) => generate(&input),
        Err(e) => e.into_compile_error(),
    }
}

fn generate(input: &Input) -> TokenStream {
    if input.branches.is_empty() {
        // Only `else`: tokio evaluates it at once, with no branch to poll.
        let otherwise = &input.otherwise;
        return quote! { { #otherwise } };
    }
    let krate = &input.krate;
    let n = input.branches.len();
    let n_u32 = n as u32;
    let variants: Vec<Ident> = (0..n).map(|i| format_ident!("_{}", i)).collect();
    let futs: Vec<Ident> = (0..n)
        .map(|i| format_ident!("__select_fut_{}", i))
        .collect();
    let decls = input.branches.iter().zip(&futs).map(|(b, f)| {
        let e = &b.fut;
        quote! {
            let mut #f = ::core::pin::pin!(::core::future::IntoFuture::into_future(#e));
        }
    });
    let conds = input.branches.iter().enumerate().map(|(i, b)| {
        let bit = 1u64 << i;
        match &b.cond {
            Some(c) => quote! { if !(#c) { __select_disabled |= #bit; } },
            None => quote! {},
        }
    });
    let arms = input.branches.iter().enumerate().map(|(i, b)| {
        let f = &futs[i];
        let v = &variants[i];
        let bit = 1u64 << i;
        let cleaned = clean(&b.pat);
        let index = i as u32;
        quote! {
            #index => {
                if __select_disabled & #bit != 0 {
                    continue;
                }
                if let #krate::__private::Poll::Ready(out) =
                    ::core::future::Future::poll(#f.as_mut(), cx)
                {
                    __select_disabled |= #bit;
                    #[allow(unreachable_patterns, unused_variables, clippy::redundant_pattern_matching)]
                    let matched = match &out {
                        #cleaned => true,
                        _ => false,
                    };
                    if matched {
                        return #krate::__private::Poll::Ready(__SelectOut::#v(out));
                    }
                }
            }
        }
    });
    let handlers = input.branches.iter().zip(&variants).map(|(b, v)| {
        let pat = &b.pat;
        let h = &b.handler;
        quote! { __SelectOut::#v(#pat) => { #h } }
    });
    let otherwise = match &input.otherwise {
        Some(e) => quote! { { #e } },
        None => quote! {
            ::core::panic!("all branches are disabled and there is no else branch")
        },
    };
    let start = if input.biased {
        quote! { 0u32 }
    } else {
        quote! { #krate::__private::start_index(#n_u32) }
    };
    let all: u64 = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    quote! {{
        enum __SelectOut<#(#variants,)*> {
            #(#variants(#variants),)*
            Disabled,
        }
        let mut __select_disabled: u64 = 0;
        #(#conds)*
        let __select_out = {
            #(#decls)*
            #krate::__private::poll_fn(|cx| {
                if __select_disabled == #all {
                    return #krate::__private::Poll::Ready(__SelectOut::Disabled);
                }
                let start: u32 = #start;
                for i in 0..#n_u32 {
                    let branch = #krate::__private::wrap(start + i, #n_u32);
                    match branch {
                        #(#arms)*
                        _ => ::core::unreachable!("select! has {} branches", #n_u32),
                    }
                }
                if __select_disabled == #all {
                    #krate::__private::Poll::Ready(__SelectOut::Disabled)
                } else {
                    #krate::__private::simloop::task::wait_on(
                        #krate::__private::simloop::task::WaitReason::new("select!"),
                    );
                    #krate::__private::Poll::Pending
                }
            })
            .await
        };
        #[allow(unreachable_patterns, unreachable_code)]
        match __select_out {
            #(#handlers)*
            __SelectOut::Disabled => #otherwise,
            _ => ::core::unreachable!("a select! branch's pattern matched when polled"),
        }
    }}
}
