"""county_defaults: the default rules of Anqing's 2023 notice, shipped as an ordinary plugin.

- R2: 90 hours a year = 30 public + 60 professional (人社部令第25号 Art. 8; 皖人社秘〔2020〕70号;
  宜人社秘〔2023〕43号 三(一)).
- R15: first review by the county bureau for county tenants, by the city industry department
  of the person's series for the city, districts and zones.
- R22: a year counts toward a cycle up to 2 × that year's requirement per subject kind.
- R20: certificate numbers ``{city}{series_code}{year:04d}{seq:06d}``.

Every implementation is ``trylast``: any other plugin's answer wins over these defaults.
Tenant settings (``plugin_settings.county_defaults``): ``public_hours``,
``professional_hours``, ``cycle_cap_factor``.
"""

from platform_core.api import PluginInfo, hookimpl
from plugins.county_defaults.cycle import ceplat_resolve_cycle_cap
from plugins.county_defaults.numbering import ceplat_resolve_certificate_number_format
from plugins.county_defaults.requirements import (
    ceplat_resolve_professional_requirement,
    ceplat_resolve_public_requirement,
)
from plugins.county_defaults.routing import ceplat_resolve_first_review_authority

PLUGIN_NAME = "county_defaults"
__version__ = "1.0.0"


@hookimpl
def ceplat_register_plugin_info() -> PluginInfo:
    return PluginInfo(
        name=PLUGIN_NAME,
        version=__version__,
        title="默认规则：每年90学时（公需30+专业60）、初审分流、周期上限、证书编号格式",
        series=(),
        regulation="人社部令第25号；皖人社秘〔2023〕66号；宜人社秘〔2023〕43号",
    )


__all__ = [
    "ceplat_register_plugin_info",
    "ceplat_resolve_certificate_number_format",
    "ceplat_resolve_cycle_cap",
    "ceplat_resolve_first_review_authority",
    "ceplat_resolve_professional_requirement",
    "ceplat_resolve_public_requirement",
]
