//! ICU4X's compiled data with the "backwards secondary" bit of the collation metadata forced on
//! or off.
//!
//! mongod's `backwards` option (French dictionary order: accents compared from the end of the
//! string) is ICU's `UCOL_FRENCH_COLLATION` attribute. ICU4X exposes it only through locale data
//! (fr-CA turns it on), so this provider hands the collator the same compiled data as usual,
//! except that the metadata of the requested locale says what the user asked for. The collator
//! then resolves the option exactly as it would for fr-CA.

use icu_collator::provider::{
    Baked, CollationDiacriticsV1, CollationJamoV1, CollationMetadataV1, CollationReorderingV1,
    CollationRootV1, CollationSpecialPrimariesV1, CollationTailoringV1,
};
use icu_normalizer::provider::{
    Baked as NormalizerBaked, NormalizerNfdDataV1, NormalizerNfdTablesV1,
};
use icu_provider::prelude::*;

/// The metadata bit ICU4X reads as "backward second level" (`CollationMetadata`'s layout, bit 7;
/// the French-order tests in `collation::tests` fail if a new ICU4X moves it).
const BACKWARD_SECOND_LEVEL: u32 = 1 << 7;

/// Compiled data, with `backwards` forced to the given value.
#[derive(Debug, Clone, Copy)]
pub struct Backwards(pub bool);

macro_rules! delegate {
    ($source:expr, $($marker:ty),+) => {
        $(impl DataProvider<$marker> for Backwards {
            fn load(&self, req: DataRequest) -> Result<DataResponse<$marker>, DataError> {
                $source.load(req)
            }
        })+
    };
}

delegate!(
    Baked,
    CollationRootV1,
    CollationTailoringV1,
    CollationDiacriticsV1,
    CollationJamoV1,
    CollationReorderingV1,
    CollationSpecialPrimariesV1
);
delegate!(NormalizerBaked, NormalizerNfdDataV1, NormalizerNfdTablesV1);

impl DataProvider<CollationMetadataV1> for Backwards {
    fn load(&self, req: DataRequest) -> Result<DataResponse<CollationMetadataV1>, DataError> {
        let mut response: DataResponse<CollationMetadataV1> = Baked.load(req)?;
        let on = self.0;
        response.payload.with_mut(move |metadata| {
            if on {
                metadata.bits |= BACKWARD_SECOND_LEVEL;
            } else {
                metadata.bits &= !BACKWARD_SECOND_LEVEL;
            }
        });
        Ok(response)
    }
}
