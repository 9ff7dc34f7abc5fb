// Built-in preprocessing layers: KERASRT_LAYER(Keras class name, factory); see layer_list.h.
// Integer inputs (ids, categories) arrive as float32 tensors in kerasrt's API.

// numeric features
KERASRT_LAYER(Normalization, make_normalization)
KERASRT_LAYER(Rescaling, make_rescaling)
KERASRT_LAYER(Discretization, make_discretization)
KERASRT_LAYER(CategoryEncoding, make_category_encoding)
KERASRT_LAYER(Hashing, make_hashing)
// vocabularies (StringLookup reads a string model input, or inverted makes a string output)
KERASRT_LAYER(StringLookup, make_string_lookup)
KERASRT_LAYER(IntegerLookup, make_integer_lookup)
// text
KERASRT_LAYER(TextVectorization, make_text_vectorization)
// images
KERASRT_LAYER(Resizing, make_resizing)
KERASRT_LAYER(CenterCrop, make_center_crop)
// augmentation: RandomCrop crops and resizes at inference, the others return their input
KERASRT_LAYER(RandomCrop, make_random_crop)
KERASRT_LAYER(RandomFlip, make_identity)
KERASRT_LAYER(RandomRotation, make_identity)
KERASRT_LAYER(RandomZoom, make_identity)
KERASRT_LAYER(RandomTranslation, make_identity)
KERASRT_LAYER(RandomContrast, make_identity)
KERASRT_LAYER(RandomBrightness, make_identity)
KERASRT_LAYER(RandomHeight, make_identity)
KERASRT_LAYER(RandomWidth, make_identity)
