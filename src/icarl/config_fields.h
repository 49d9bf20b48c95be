/* config_fields.h - the engine's side of the configuration field table (src/icarl/config.c):
 * where each field lives in icarl_config and what an older checkpoint that lacks it implies, for
 * the checkpoint code, which reads and writes fields by that table. */
#ifndef ICARL_CONFIG_FIELDS_H
#define ICARL_CONFIG_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "icarl.h"

typedef struct config_field {
    icarl_config_field public; /* what icarl_config_field_at() hands out */
    size_t offset;             /* of the member in icarl_config */
    double absent;             /* the value a checkpoint written before the field existed implies */
} config_field;

/* Field `index` in table order, or NULL; the field called `name`, or NULL. */
const config_field *config_field_entry(int32_t index);
const config_field *config_field_find(const char *name);

/* A field's value as a double (a seed above 2^53 rounds: use config_field_seed). */
double config_field_value(const config_field *field, const icarl_config *config);
uint64_t config_field_seed(const config_field *field, const icarl_config *config);

/* Stores a value of the field's own kind: INT, BOOL and CHOICE as int32, FLOAT as float, SEED as
 * uint64. No range check (config_validate does that). */
void config_field_store_int(const config_field *field, icarl_config *config, int32_t value);
void config_field_store_float(const config_field *field, icarl_config *config, float value);
void config_field_store_seed(const config_field *field, icarl_config *config, uint64_t value);

#endif
