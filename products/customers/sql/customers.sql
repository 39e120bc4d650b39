-- Active and suspended customers from the CRM; the customer id is the tenant id.
SELECT
  CAST(customer_id AS STRING) AS customer_id,
  legal_name AS name,
  industry,
  UPPER(country_code) AS country_code,
  contact_email,
  created_at,
  status,
  CURRENT_TIMESTAMP() AS refreshed_at
FROM {{ input.crm-db }}
WHERE status IN ('active', 'suspended')
