//! Search for an available phone number, order it, and list the account's number orders.
//!
//! ```text
//! TELNYX_API_KEY=... cargo run -q -p telnyx-api --example search_and_order_number -- \
//!     [--country US] [--area-code 312] [--locality Chicago] [--type local] \
//!     [--features sms,voice] [--limit 5] [--order] [--max-orders 20]
//! ```
//!
//! 1. `GET /available_phone_numbers` with the filters given (default: US numbers with SMS and
//!    voice, at most 5), one line per number: `available +13125550123 sms,voice 1.00 USD/month`.
//! 2. With `--order` only (ordering a number costs money), `POST /number_orders` for the first
//!    number found: `ordered +13125550123: order <id>, status pending`. Without it:
//!    `not ordering +13125550123 (pass --order to buy it)`.
//! 3. The number orders of the account, newest pages first as the API sends them, through the
//!    item stream of `GET /number_orders` (pages of 20 requested one at a time, as they are
//!    used), at most `--max-orders` (default 20): `order <id> <status> <count> number(s)
//!    <created_at>`, then `<n> orders from <p> page(s)`.
//!
//! `TELNYX_BASE_URL` overrides the API base URL (a mock server). On an error prints it to
//! stderr and exits 1.

use std::process::ExitCode;

use futures::TryStreamExt as _;
use telnyx_api::types::{
    CreateNumberOrderRequestPhoneNumbersItem, ListAvailablePhoneNumbersFilter, NumbersPageConsolidated,
};
use telnyx_api::Client;

const USAGE: &str = "usage: search_and_order_number [--country CC] [--area-code NDC] [--locality CITY] \
[--type local|toll_free|mobile|national|shared_cost] [--features sms,voice,...] [--limit N] [--order] [--max-orders N]";
/// Page size of the order listing.
const PAGE_SIZE: i64 = 20;

struct Args {
    filter: ListAvailablePhoneNumbersFilter,
    order: bool,
    max_orders: usize,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut filter = ListAvailablePhoneNumbersFilter {
        country_code: Some("US".to_owned()),
        features: Some(vec!["sms".into(), "voice".into()]),
        limit: Some(5),
        ..Default::default()
    };
    let (mut order, mut max_orders) = (false, 20);
    let mut args = args.into_iter();
    while let Some(name) = args.next() {
        if name == "--order" {
            order = true;
            continue;
        }
        if name == "-h" || name == "--help" {
            return Err(USAGE.to_owned());
        }
        let value = args.next().ok_or_else(|| format!("{name} needs a value\n{USAGE}"))?;
        let number = |v: &str| v.parse::<u32>().map_err(|_| format!("{name} must be a whole number, got {v:?}"));
        match name.as_str() {
            "--country" => filter.country_code = Some(value),
            "--area-code" => filter.national_destination_code = Some(value),
            "--locality" => filter.locality = Some(value),
            "--type" => filter.phone_number_type = Some(value.as_str().into()),
            "--features" => filter.features = Some(value.split(',').map(|f| f.trim().into()).collect()),
            "--limit" => filter.limit = Some(number(&value)?.into()),
            "--max-orders" => max_orders = number(&value)? as usize,
            other => return Err(format!("unexpected argument {other:?}\n{USAGE}")),
        }
    }
    Ok(Args { filter, order, max_orders })
}

async fn run(args: Args) -> Result<(), String> {
    let client = Client::from_env().map_err(|e| e.to_string())?;

    let found = client.available_phone_numbers().list().filter(args.filter).await.map_err(|e| e.to_string())?;
    let numbers: Vec<_> = found.data.unwrap_or_default().into_iter().filter(|n| n.phone_number.is_some()).collect();
    for n in &numbers {
        let features: Vec<&str> = n.features.iter().flatten().filter_map(|f| f.name.as_deref()).collect();
        let cost = n.cost_information.as_ref().map_or_else(String::new, |c| {
            format!(" {} {}/month", c.monthly_cost.as_deref().unwrap_or("?"), c.currency.as_deref().unwrap_or(""))
        });
        println!("available {} {}{cost}", n.phone_number.as_deref().unwrap_or_default(), features.join(","));
    }
    let Some(first) = numbers.first().and_then(|n| n.phone_number.clone()) else {
        println!("no number matches the filters");
        return Ok(());
    };

    if args.order {
        let ordered = client
            .number_orders()
            .create()
            .phone_numbers(vec![CreateNumberOrderRequestPhoneNumbersItem::new(first.clone())])
            .customer_reference("telnyx-api search_and_order_number example")
            .await
            .map_err(|e| e.to_string())?;
        let order = ordered.data.ok_or("the response has no order (no `data`)")?;
        println!(
            "ordered {first}: order {}, status {}",
            order.id.as_deref().unwrap_or("?"),
            order.status.as_ref().map_or("unknown", |s| s.as_str())
        );
    } else {
        println!("not ordering {first} (pass --order to buy it)");
    }

    // The item stream asks for the next page only once the items of the previous one are used.
    let mut orders =
        client.number_orders().list().page(NumbersPageConsolidated { size: Some(PAGE_SIZE), number: None }).items();
    let mut listed = 0;
    while listed < args.max_orders {
        let Some(order) = orders.try_next().await.map_err(|e| e.to_string())? else { break };
        listed += 1;
        println!(
            "order {} {} {} number(s) {}",
            order.id.as_deref().unwrap_or("?"),
            order.status.as_ref().map_or("unknown", |s| s.as_str()),
            order.phone_numbers_count.unwrap_or_default(),
            order.created_at.as_deref().unwrap_or("?")
        );
    }
    println!("{listed} orders from {} page(s)", orders.pages_fetched());
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("search_and_order_number: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("search_and_order_number: {e}");
            ExitCode::FAILURE
        }
    }
}
